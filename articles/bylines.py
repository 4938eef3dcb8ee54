"""The roles a byline gives a person (记者, 通讯员, 摄影记者…), as the paper prints them.

One list: `models.Role`'s choices and the parser's role words both come from
here, so a role the parser reads is always one the database accepts. Plain
Python, because the parser imports it and the parser imports no Django.

Not to be confused with the desk's permission groups (记者 and 编辑 as
accounts, `people/desk.py`): a byline role is what the paper prints next
to a name, whoever typed the story in.
"""

# Constant name → the word printed in bylines.
BYLINE_ROLES = {
    "REPORTER": "记者",
    "SPECIAL_REPORTER": "特约记者",
    "PHOTOGRAPHER": "摄影记者",
    "CORRESPONDENT": "通讯员",
    "SPECIAL_CORRESPONDENT": "特约通讯员",
    "INTERN": "实习生",
    "AUTHOR": "作者",
    "EDITOR": "编辑",
}
AUTHOR = BYLINE_ROLES["AUTHOR"]
PHOTOGRAPHER = BYLINE_ROLES["PHOTOGRAPHER"]

# Other papers' words for the same roles: 文/图 李娜, 撰文 李娜, 摄影 王强.
ROLE_ALIASES = {
    "文": AUTHOR,
    "文图": AUTHOR,
    "图文": AUTHOR,
    "撰文": AUTHOR,
    "摄影": PHOTOGRAPHER,
    "图": PHOTOGRAPHER,
}
