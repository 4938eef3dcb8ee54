"""Turn the flattened text of a print issue into structured articles.

Plain Python with no Django import: text in, dataclasses out. The
`import_issue` command and the admin's import page map the result onto
models (articles/importing.py), so each half can be tested alone.

The source is a page layout flattened to text, one block per line:

- `#` and `##` lines are headlines, but a `##` line may also be a column
  banner (栏目), a kicker (引题) above a headline, or a heading the layout
  dropped into the middle of a split paragraph. Which one it is depends on
  its neighbours; see `_Parser.classify_h2`.
- `###` lines are subheads, a kicker directly above a headline, or a
  subheadline (副题) when they open with a dash.
- Lines labelled `引题:`, `主题:`, `副题:` or `栏目:` (any width, or in 【】)
  say what they are.
- A byline is a bold lead-in `**本报讯(记者 李娜)** 正文…`, the same lead-in
  unbolded, a plain line `本报记者 邵南 通讯员 张弘强` (also `文/图 李娜`),
  or only the author's name. A story may have no byline at all.
- `图为…本报特约通讯员 胡建华 摄。` paragraphs are photo captions.
- `第01版:要闻` (or `A3版`, `【第二版 经济】`) starts a printed page (版):
  the articles after it are on that page.
- A paragraph that stops mid-sentence continues in the next paragraph.

ASCII punctuation next to Chinese text (在新征程上,我市) is set full width
(，) unless the caller asks to keep the source as typed; the count of changes
is an issue note.

Every heading and byline is a `ParsedDecision` the editor can see and
overrule: `parse_issue(text, decisions={line: kind})` parses again with
that line read as `kind` (a heading as a headline splits an article, a
headline as a subhead merges it into the one before).

The parser never raises on any text: whatever it cannot place becomes a
note for an editor rather than an exception or lost text.
"""

import re
import unicodedata
from dataclasses import asdict, dataclass, field

from articles.bylines import AUTHOR, BYLINE_ROLES, ROLE_ALIASES

# Longest first, so that 特约通讯员 is not read as 通讯员.
ROLE_WORDS = tuple(sorted(BYLINE_ROLES.values(), key=len, reverse=True))
STAFF_PREFIX = "本报"

# What a line can be read as; the review page offers these to the editor.
HEADLINE = "headline"
SECTION = "section"
KICKER = "kicker"
SUBHEADLINE = "subheadline"
SUBHEAD = "subhead"
NOTE = "note"
BYLINE = "byline"
PARAGRAPH = "paragraph"
PAGE = "page"
KIND_LABELS = {
    HEADLINE: "标题(新稿件)",
    SECTION: "栏目",
    KICKER: "引题",
    SUBHEADLINE: "副题",
    SUBHEAD: "小标题",
    NOTE: "备注(不进正文)",
    BYLINE: "署名",
    PARAGRAPH: "正文",
    PAGE: "版面标记(第几版)",
}
HEADING_KINDS = (HEADLINE, SECTION, KICKER, SUBHEADLINE, SUBHEAD, NOTE)
LINE_KINDS = (BYLINE, PARAGRAPH, HEADLINE, NOTE)
PAGE_KINDS = (PAGE, HEADLINE, SUBHEAD, PARAGRAPH, NOTE)

# 本报全媒体记者, 新华社记者, 人民日报见习记者: the paper (本报 marks its staff) or another
# organisation, a title of the job, then the role; the role is what the byline records.
_ROLE_RE = re.compile(
    rf"^(?:(?P<staff>{STAFF_PREFIX})|[\u4e00-\u9fff]{{1,8}}?(?:日报|晚报|新华社|通讯社|电视台|广播电视台|网))?"
    r"(?:全媒体|融媒体|见习|首席|特派|驻站)?"
    rf"(?P<role>{'|'.join(ROLE_WORDS)})(?P<rest>.*)$"
)
_ALIAS_RE = re.compile(rf"^(?P<role>{'|'.join(sorted(ROLE_ALIASES, key=len, reverse=True))})$")
_COMPOUND_ROLE_RE = re.compile(r"(文|图)\s*[/／·・]\s*(图|文)")
# Chinese names, including transliterated Mongolian and other names joined by a middle dot.
_NAME_RE = re.compile(
    r"^(?:[\u3400-\u9fff]{2,6}|[\u3400-\u9fff]{1,8}(?:[·•・][\u3400-\u9fff]{1,8})+)$"
)
_CREDIT_SEPARATORS = re.compile(r"[\s\u3000、,，;；:：/／]+")
# Decorations some papers put before a byline: □本报记者 李娜, ■文/图 王强.
_BYLINE_BULLETS = "□■◎●○▲△◆◇★☆▶►"
_BYLINE_TAIL_RE = re.compile(r"[\s\u3000]*(?:摄影报道|图文报道|报道|采写|整理)$")
_HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})[ \t\u3000]+(?P<text>.*?)[ \t\u3000#]*$")
_BOLD_LEAD_RE = re.compile(r"^\*\*(?P<bold>.+?)\*\*[ \t\u3000]*(?P<rest>.*)$")
_BRACKETED_RE = re.compile(r"^(?P<before>[^(（]*?)[ \t\u3000]*[(（](?P<inside>[^)）]*)[)）]$")
_LEADING_BRACKET_RE = re.compile(r"^[(（](?P<inside>[^)）]*)[)）][ \t\u3000]*(?P<rest>.*)$")
# `本报讯(记者 李娜) 正文` or `新华社北京12月19日电(记者 张三)正文` without bold.
_PLAIN_LEAD_RE = re.compile(
    r"^(?P<dateline>[\u3400-\u9fff0-9０-９]{1,20}?(?:讯|电))[ \t\u3000]*"
    r"[(（](?P<inside>[^)）]{1,60})[)）][ \t\u3000]*(?P<rest>.*)$"
)
_SPACED_LEAD_RE = re.compile(
    r"^(?P<dateline>[\u3400-\u9fff0-9０-９]{1,20}?(?:讯|电))[ \t\u3000]+(?P<credits>[^，。,.]{2,40})$"
)
# A dateline as the first words of a story, then a space: 本报讯, 本报通辽12月19日讯,
# 新华社北京12月19日电. Only the paper's own, a news agency's, or one with a date: 喜讯 is a word.
_DATELINE_LEAD_RE = re.compile(
    r"^(?P<dateline>(?:本报|新华社|中新社|人民网|新华网|央视网|中国新闻网)[\u3400-\u9fff0-9０-９]{0,16}?"
    r"(?:讯|电)|[\u3400-\u9fff]{0,8}\d{1,2}月\d{1,2}日(?:讯|电))[ \t\u3000]+(?P<rest>\S.*)$"
)
_LABELS = "引题|肩题|眉题|主题|主标题|副题|副标题|栏目"
# `引题:…` or `【引题】…`: the label needs its colon or brackets (栏目甲 is a column's name).
_LABEL_RE = re.compile(
    rf"^(?:[【\[](?P<bracketed>{_LABELS})[】\]]|(?P<label>{_LABELS})[ \t\u3000]*[:：])"
    r"[ \t\u3000]*(?P<text>.+)$"
)
_LABEL_KINDS = {
    "引题": KICKER,
    "肩题": KICKER,
    "眉题": KICKER,
    "主题": HEADLINE,
    "主标题": HEADLINE,
    "副题": SUBHEADLINE,
    "副标题": SUBHEADLINE,
    "栏目": SECTION,
}
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
# 第01版:要闻, 第 3 版 经济, A3版, 【第二版·乡村振兴】, 第03版(要闻): the number, then either
# nothing or a separator and a short name. Chinese numerals need 第 (三版联动… is a sentence).
_PAGE_RE = re.compile(
    r"^[【\[〔]?[ \t\u3000]*(?:第[ \t\u3000]*(?P<cn>[一二三四五六七八九十]{1,3})|(?:第[ \t\u3000]*)?"
    r"(?P<prefix>[A-Za-zＡ-Ｚａ-ｚ]?)(?P<number>[0-9０-９]{1,3}))[ \t\u3000]*版"
    r"(?:(?:[ \t\u3000]*[:：·・\-—|｜][ \t\u3000]*|[ \t\u3000]+)(?P<name>[^\s】\]〕()（）,，。;；!！?？]{1,10})"
    r"|[ \t\u3000]*[(（](?P<bracketed>[^()（）]{1,10})[)）])?"
    r"[ \t\u3000]*[】\]〕]?$"
)
# The page's production staff (本版编辑, 校对), printed beside the stories but not part of them.
_PAGE_STAFF_RE = re.compile(
    r"^[(（]?(?:本版)?(?:责任编辑|责编|编辑|校对|审校|审核|美编|版式|组版|签发|值班编委)"
    r"[ \t\u3000]*[:：]"
)
# A byline printed at the end of the story: `(本报记者 李娜)`.
_TRAILING_CREDITS_RE = re.compile(r"^[(（](?P<inside>[^)）]{2,40})[)）]$")
# (据新华社), (来源:通辽发布): where the story came from, not who wrote it.
_SOURCE_NOTE_RE = re.compile(r"^[(（][ \t\u3000]*(?:据|来源|稿源|转自|摘自|原载|本文)")
# How news stories open: a paragraph like this after a heading starts a story.
_STORY_OPENING_RE = re.compile(
    r"^(?:\*\*)?(?:记者从|记者近日|记者日前|近日|日前|本报讯|本报[\u4e00-\u9fff]{0,6}讯|"
    r"\d{1,2}月\d{1,2}日|今年以来|今年|截至)"
)
# Captions: 图为…, a line marked ▲, or 上图:/图①…; a credits-only line `本报记者 李娜 摄`
# after one credits the photo.
_CAPTION_RE = re.compile(r"^(?:[▲△]|图为|[上下左右]图[:：]|图[①-⑩一二三四五六七八九][:：]?)")
_PHOTO_CREDIT_LINE_RE = re.compile(r"^(?P<credits>.{2,40}?)[ \t\u3000]*摄[。.]?$")
# A column banner on a line of its own: 【民生关注】.
_BRACKETED_COLUMN_RE = re.compile(r"^【(?P<name>[^】]{1,20})】$")
_PHOTO_MARK_RE = re.compile(r"[ \t\u3000]*摄影?[。.]?$")
_SENTENCE_BREAK = "。!?！？.;；…"
# A paragraph ending in one of these stopped mid-sentence and goes on in the next one.
_OPEN_END_RE = re.compile(r"[\w,，、“‘(（《〈【—\-·]$")
# Short lines that sit where a name-only byline would but are not names.
_NOT_NAMES = {"编者按", "图片新闻", "本报讯", "评论员", "短评", "社论", "导读"}

# Punctuation: Chinese characters and the full-width marks that sit among them.
_HAN = "\u3400-\u9fff\uf900-\ufaff"
_CJK = _HAN + "\u3000-\u303f\uff01-\uff0f\uff1a-\uff20“”‘’…—"
_HALF_TO_FULL = {",": "，", ";": "；", ":": "：", "?": "？", "!": "！"}
_MARK_NEXT_TO_CJK = re.compile(rf"(?<=[{_CJK}])[,;:?!][ \t]*|[,;:?!](?=[ \t]*[{_CJK}])")
_FULL_STOP = re.compile(rf"(?<=[{_HAN}”’》）%％])(?<!\.)\.(?!\.)(?=[{_HAN}“‘《（]|[ \t]*$)")
_PARENS = re.compile(r"\((?P<inside>[^()]*)\)")
_HAS_HAN = re.compile(rf"[{_HAN}]")


@dataclass
class ParsedCredit:
    name: str
    role: str
    staff: bool = False


@dataclass
class ParsedBlock:
    type: str  # "paragraph" or "subhead"
    text: str


@dataclass
class ParsedPhoto:
    caption: str
    credits: list[ParsedCredit] = field(default_factory=list)


@dataclass
class ParsedArticle:
    headline: str
    kicker: str | None = None
    subheadline: str | None = None
    section: str | None = None
    dateline: str | None = None
    page_number: int | None = None
    page_name: str | None = None
    credits: list[ParsedCredit] = field(default_factory=list)
    body: list[ParsedBlock] = field(default_factory=list)
    photos: list[ParsedPhoto] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    line: int = 0  # source line of the headline, for the review page

    def to_dict(self):
        return asdict(self)

    @property
    def started(self):
        """True once the article has body text, so a byline or column can no longer lead it."""
        return bool(self.body or self.photos)


@dataclass
class ParsedDecision:
    """How the parser read one heading or byline line, and whether it is sure."""

    line: int
    text: str
    kind: str
    choices: tuple[str, ...]
    unsure: bool = False
    forced: bool = False  # the editor chose it

    @property
    def options(self):
        """(kind, label) of every way the editor may read the line, for the review page."""
        return [(kind, KIND_LABELS[kind]) for kind in self.choices]


@dataclass
class ParsedIssue:
    articles: list[ParsedArticle] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    decisions: list[ParsedDecision] = field(default_factory=list)
    punctuation_changes: int = 0

    def to_dict(self):
        return {
            "articles": [article.to_dict() for article in self.articles],
            "notes": list(self.notes),
        }


def normalize_text(text):
    """Decode-level clean-up: drop a BOM, unify line ends."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_lines(text):
    """(line number from 1, stripped text) for every non-empty line."""
    lines = normalize_text(text).split("\n")
    stripped = (line.strip(" \t\u3000\u00a0") for line in lines)
    return [(number, line) for number, line in enumerate(stripped, start=1) if line]


def normalize_punctuation(text):
    """ASCII ,;:?!. and () among Chinese text set full width: (new text, number of changes)."""
    changes = 0

    def mark(match):
        nonlocal changes
        changes += 1
        return _HALF_TO_FULL[match.group().strip(" \t")]

    def stop(match):
        nonlocal changes
        changes += 1
        return "。"

    def parens(match):
        nonlocal changes
        before = match.string[match.start() - 1] if match.start() else ""
        if _HAS_HAN.search(match["inside"]) or _HAS_HAN.match(before):
            changes += 1
            return f"（{match['inside']}）"
        return match.group()

    text = _MARK_NEXT_TO_CJK.sub(mark, text)
    text = _PARENS.sub(parens, text)
    text = _FULL_STOP.sub(stop, text)
    return text, changes


def _clean_credit_text(text):
    text = text.strip().lstrip(_BYLINE_BULLETS).strip(" \t\u3000")
    text = _BYLINE_TAIL_RE.sub("", text)
    return _COMPOUND_ROLE_RE.sub("文图", text)


def parse_credits(text):
    """Read `本报记者 邵南 通讯员 张弘强` into credits; None if it is not a credit list.

    A role covers every name after it until the next role; a role written
    with the 本报 prefix marks its people as the paper's staff.
    """
    tokens = [token for token in _CREDIT_SEPARATORS.split(_clean_credit_text(text)) if token]
    if not tokens:
        return None
    credits = []
    role = None
    role_staff = False
    for token in tokens:
        alias = _ALIAS_RE.match(token)
        if alias:
            role, role_staff = ROLE_ALIASES[alias["role"]], False
            continue
        match = _ROLE_RE.match(token)
        if match:
            role = match["role"]
            role_staff = bool(match["staff"])
            token = match["rest"]
            if not token:
                continue
        if not _NAME_RE.match(token):
            return None
        if role is None:
            if credits:
                return None
            role, role_staff = AUTHOR, False
        credits.append(ParsedCredit(name=token, role=role, staff=role_staff))
    if not credits:
        return None
    return credits


def parse_role_line(text):
    """A plain byline line that starts with a role: `本报记者 邵南 通讯员 张弘强`."""
    cleaned = _clean_credit_text(text)
    first = _CREDIT_SEPARATORS.split(cleaned, maxsplit=1)[0]
    if not (_ROLE_RE.match(first) or _ALIAS_RE.match(first)):
        return None
    return parse_credits(cleaned)


def parse_name_line(text):
    """A line that is only the author's name (or a few names): `狄雅莉`."""
    cleaned = _clean_credit_text(text)
    tokens = [token for token in _CREDIT_SEPARATORS.split(cleaned) if token]
    if not tokens or len(tokens) > 4 or cleaned in _NOT_NAMES:
        return None
    if not all(_NAME_RE.match(token) and (len(token) <= 4 or "·" in token) for token in tokens):
        return None
    return parse_credits(cleaned)


def parse_bold_byline(text):
    """`**本报讯(记者 李娜)** 正文` → (dateline, credits, rest of paragraph), or None.

    The same lead-in without the bold is read too when it names a 讯 or 电
    and its brackets hold credits: `新华社北京12月19日电(记者 张三)正文`.
    """
    match = _BOLD_LEAD_RE.match(text)
    if not match:
        spaced = _SPACED_LEAD_RE.match(text)
        if spaced:
            credits = parse_credits(spaced["credits"])
            if credits:
                # `新华社呼和浩特12月19日电 记者 张三 李四` on a line of its own.
                return spaced["dateline"], credits, ""
        plain = _PLAIN_LEAD_RE.match(text)
        if not plain:
            return parse_dateline_lead(text)
        credits = parse_credits(plain["inside"])
        if credits is None:
            return None
        return plain["dateline"], credits, plain["rest"].strip(" \t\u3000")
    bold, rest = match["bold"].strip(), match["rest"]
    bold_credits = parse_role_line(bold)
    if bold_credits:
        # `**记者 李娜**` with no dateline.
        return None, bold_credits, rest.strip(" \t\u3000")
    bracketed = _BRACKETED_RE.match(bold)
    if bracketed:
        dateline = bracketed["before"].strip() or None
        inside = bracketed["inside"]
    else:
        # `**本报讯**(记者 李娜) 正文`: the brackets fell outside the bold.
        if not bold.endswith(("讯", "电")):
            return None
        dateline, inside = bold, None
        outside = _LEADING_BRACKET_RE.match(rest)
        if outside:
            inside, rest = outside["inside"], outside["rest"]
    # 本报讯 says the story is the paper's; whether each person is staff is the role's
    # own 本报 prefix, as the source writes it (本报讯(记者 李娜) credits 记者 李娜).
    credits = []
    if inside is not None:
        credits = parse_credits(inside)
        if credits is None:
            return None
    return dateline, credits, rest.strip(" \t\u3000")


def parse_dateline_lead(text):
    """`本报讯 记者 王芳 近日,…` or `新华社北京12月19日电 国务院…`: a dateline, the credits
    that follow it (if any, up to the first word that is not one), and the text."""
    match = _DATELINE_LEAD_RE.match(text)
    if not match:
        return None
    words = match["rest"].split()
    taken = 0
    credits = []
    # Credits start with a role (记者 王芳); names alone could be the first words of the text.
    if words and (_ROLE_RE.match(words[0]) or _ALIAS_RE.match(words[0])):
        for end in range(len(words), 0, -1):
            found = parse_credits(" ".join(words[:end]))
            if found:
                credits, taken = found, end
                break
    rest = " ".join(words[taken:]) if taken else match["rest"]
    return match["dateline"], credits, rest.strip(" \t\u3000")


def parse_caption(text):
    """`图为…。本报特约通讯员 胡建华 摄。` → ParsedPhoto with the caption and its credits."""
    if not _CAPTION_RE.match(text):
        return None
    mark = _PHOTO_MARK_RE.search(text)
    if not mark:
        return ParsedPhoto(caption=text)
    before = text[: mark.start()]
    # The credit is the longest tail after a sentence break or a space that reads as credits.
    for index, char in enumerate(before):
        if char in _SENTENCE_BREAK or char in " \t\u3000":
            credits = parse_credits(before[index + 1 :])
            if credits:
                return ParsedPhoto(caption=before[: index + 1].rstrip(" \t\u3000"), credits=credits)
    return ParsedPhoto(caption=text)


def parse_page_marker(text):
    """`第01版:要闻` → (1, "要闻"); `A3版` → (3, "A3"); None if the line is not a page marker."""
    match = _PAGE_RE.match(text)
    if not match:
        return None
    if match["cn"]:
        # 一 to 九十九 in Chinese numerals.
        digits = match["cn"]
        tens, _, units = digits.rpartition("十")
        number = (_CN_DIGITS.get(tens, 1) * 10 if "十" in digits else 0) + _CN_DIGITS.get(units, 0)
    else:
        number = int(unicodedata.normalize("NFKC", match["number"]))
    if not 0 < number < 1000:
        return None
    name = (match["name"] or match["bracketed"] or "").strip() or None
    prefix = unicodedata.normalize("NFKC", match["prefix"] or "").upper()
    if prefix:
        # A2 and B2 are different pages of a paper printed in sections (叠): the name keeps them apart.
        name = f"{prefix}{number}" + (f" {name}" if name else "")
    return number, name


def parse_label(text):
    """`引题:…` → ("kicker", text); None when the line carries no label."""
    match = _LABEL_RE.match(text)
    if not match:
        return None
    return _LABEL_KINDS[match["label"] or match["bracketed"]], match["text"].strip()


def heading(block):
    match = _HEADING_RE.match(block)
    if not match:
        return None
    return len(match["hashes"]), match["text"].strip()


def is_byline(block):
    return bool(parse_bold_byline(block) or parse_role_line(block) or parse_name_line(block))


def looks_like_column(text, known_sections):
    """Column banners are short noun phrases; headlines carry colons, spaces, numbers."""
    if text in known_sections:
        return True
    return len(text) <= 12 and not re.search(r"[:：,，、 \u3000\d!?！？]", text)


def is_open(text):
    return bool(_OPEN_END_RE.search(text))


class _Parser:
    def __init__(self, text, known_sections, decisions, keep_punctuation):
        self.lines = split_lines(text)
        self.known_sections = set(known_sections)
        self.forced = dict(decisions or {})
        self.result = ParsedIssue()
        if not keep_punctuation:
            self.lines = [self.normalize(number, line) for number, line in self.lines]
        self.current = None
        self.pending_section = None
        self.pending_kicker = None
        self.page = (None, None)
        # Parser state about the current article: whether its last paragraph stopped
        # mid-sentence, and whether it has had its byline.
        self.open = False
        self.has_byline = False

    def normalize(self, number, line):
        text, changes = normalize_punctuation(line)
        self.result.punctuation_changes += changes
        return number, text

    def block(self, index, offset=1):
        position = index + offset
        return self.lines[position][1] if position < len(self.lines) else None

    def decide(self, line, text, kind, choices, unsure=False):
        """Record how a line was read; the editor's choice for it wins."""
        forced = self.forced.get(line)
        if forced in choices and forced != kind:
            kind, unsure = forced, False
        self.result.decisions.append(
            ParsedDecision(line, text, kind, choices, unsure=unsure, forced=forced == kind)
        )
        return kind

    def start_article(self, headline, line):
        number, name = self.page
        self.current = ParsedArticle(
            headline=headline,
            section=self.pending_section,
            kicker=self.pending_kicker,
            page_number=number,
            page_name=name,
            line=line,
        )
        self.pending_section = self.pending_kicker = None
        self.open = self.has_byline = False
        self.result.articles.append(self.current)

    def note(self, text):
        if self.current is None:
            self.result.notes.append(text)
        else:
            self.current.notes.append(text)

    def set_section(self, name):
        self.known_sections.add(name)
        if self.current.section is None:
            self.current.section = name
        elif self.current.section != name:
            self.current.notes.append(name)

    def run(self):
        for index, (line, block) in enumerate(self.lines):
            level_text = heading(block)
            text = level_text[1] if level_text else block
            if not text:
                continue
            page = parse_page_marker(text)
            if page is not None:
                kind = self.decide(line, text, PAGE, PAGE_KINDS)
                if kind == PAGE:
                    self.page = page
                else:
                    self.apply(index, line, text, kind)
                continue
            label = parse_label(text)
            column = _BRACKETED_COLUMN_RE.match(text) if level_text is None else None
            if column is not None and not self.banner_position(index):
                column = None  # 【相关链接】 inside a story is part of it
            if column is not None:
                name = column["name"].strip()
                kind = self.decide(line, text, SECTION, HEADING_KINDS)
                self.apply(index, line, name, kind)
            elif label is not None:
                kind, text = label
                self.apply(index, line, text, self.decide(line, text, kind, HEADING_KINDS))
            elif level_text is None:
                self.paragraph(index, line, block)
            elif level_text[0] == 1:
                self.apply(index, line, text, self.decide(line, text, HEADLINE, HEADING_KINDS))
            elif level_text[0] == 2:
                kind, unsure = self.classify_h2(index, text)
                self.apply(index, line, text, self.decide(line, text, kind, HEADING_KINDS, unsure))
            else:
                kind, unsure = self.classify_subhead(index, text)
                self.apply(index, line, text, self.decide(line, text, kind, HEADING_KINDS, unsure))
        if self.pending_kicker or self.pending_section:
            self.note(self.pending_kicker or self.pending_section)
        return self.result

    def apply(self, index, line, text, kind):
        current = self.current
        if kind == HEADLINE:
            self.start_article(text, line)
        elif kind == KICKER:
            if current is not None and not current.started and current.kicker is None:
                current.kicker = text
            else:
                self.pending_kicker = text
        elif kind == SECTION:
            # Above the next story's headline, or for the story it sits in.
            if current is None or (current.started and self.next_starts_article(index)):
                self.pending_section = text
            elif self.forced.get(line) == SECTION:
                self.known_sections.add(text)
                current.section = text
            else:
                self.set_section(text)
        elif kind == SUBHEADLINE and current is not None and current.subheadline is None:
            current.subheadline = text
        elif kind == SUBHEAD and current is not None:
            current.body.append(ParsedBlock(type="subhead", text=text))
            self.open = False
        elif kind == PARAGRAPH and current is not None:
            self.paragraph_as_told(text)
        else:
            self.note(text)

    def next_is_paragraph(self, index):
        following = self.block(index)
        return following is not None and heading(following) is None

    def banner_position(self, index):
        """Whether a column banner here would lead a story: before one, or before its body."""
        current = self.current
        return current is None or not current.started or self.next_starts_article(index)

    def next_starts_article(self, index):
        block = self.block(index) or ""
        following = heading(block)
        label = parse_label(following[1] if following else block)
        if label is not None and label[0] in (HEADLINE, KICKER):
            return True  # 主题:… or 引题:… opens the next story
        if following is None:
            return False
        if following[0] == 1:
            return True
        return following[0] == 2 and self.classify_h2(index + 1, following[1])[0] == HEADLINE

    def classify_h2(self, index, text):
        """(kind, unsure) for a `##` line, from what comes before and after it."""
        following = self.block(index)
        following_heading = heading(following) if following else None
        current = self.current
        known = text in self.known_sections

        # Directly above a `#` headline: its column banner, or its kicker.
        if following_heading and following_heading[0] == 1:
            if looks_like_column(text, self.known_sections):
                return SECTION, not known
            return KICKER, True
        # Just after a headline (or its byline), before any body: subheadline or column.
        if current is not None and not current.started:
            if text.startswith(("——", "—", "--")) and current.subheadline is None:
                return SUBHEADLINE, False
            if current.section is None:
                if known:
                    return SECTION, False
                if looks_like_column(text, self.known_sections):
                    # 人大代表风采 after the byline: the column, most likely; the editor sees it.
                    return SECTION, True
                # Too long for a column name: it reads under the headline.
                return (SUBHEADLINE, True) if current.subheadline is None else (SUBHEAD, True)
            # Column already given: a second line before the body reads as a subheadline
            # under the headline, or a stray banner after the byline. Either is a guess.
            if current.subheadline is None and not self.has_byline:
                return SUBHEADLINE, True
            return NOTE, True
        # Two `##` lines and then a byline: one is the column, the other the headline.
        if following_heading and following_heading[0] == 2:
            after = self.block(index, 2)
            if after and heading(after) is None and is_byline(after):
                this_column = looks_like_column(text, self.known_sections)
                next_column = looks_like_column(following_heading[1], self.known_sections)
                # Banner above the headline is the usual layout; the text decides otherwise.
                if next_column and not this_column:
                    return HEADLINE, False
                return SECTION, not known
        if following and following_heading is None and is_byline(following):
            return HEADLINE, False
        if current is None:
            return HEADLINE, False
        # Dropped into a paragraph the layout split: not a new article, unless what follows
        # opens a story the way news stories open (记者从…获悉, 近日, 本报讯).
        if self.open and self.next_is_paragraph(index):
            if current.section is None and known:
                return SECTION, False
            if _STORY_OPENING_RE.match(following):
                return HEADLINE, True
            return NOTE, True
        if known or text == current.section:
            return (SECTION, False) if current.section in (None, text) else (NOTE, False)
        # Body text straight after a heading that follows a finished story: a story with
        # no byline (a short notice, 记者从…获悉), not a banner closing the story before.
        if self.next_is_paragraph(index) and parse_caption(following) is None:
            return HEADLINE, looks_like_column(text, self.known_sections)
        if current.section is None:
            return SECTION, True
        return HEADLINE, True

    def classify_subhead(self, index, text):
        current = self.current
        following_heading = heading(self.block(index) or "")
        if following_heading and following_heading[0] == 1:
            return KICKER, True
        if current is None:
            return NOTE, True
        if (
            not current.started
            and current.subheadline is None
            and text.startswith(("——", "—", "--"))
        ):
            return SUBHEADLINE, False
        if self.open and self.next_is_paragraph(index):
            return NOTE, True
        return SUBHEAD, False

    def paragraph(self, index, line, block):
        current = self.current
        forced = self.forced.get(line)
        if forced == HEADLINE:
            self.decide(line, block, HEADLINE, LINE_KINDS)
            self.start_article(block.replace("**", ""), line)
            return
        if current is None:
            self.result.notes.append(block)
            return
        if forced == NOTE:
            self.decide(line, block, NOTE, LINE_KINDS)
            current.notes.append(block)
            return
        if forced == PARAGRAPH:
            self.decide(line, block, PARAGRAPH, LINE_KINDS)
            self.paragraph_as_told(block)
            return
        if not current.started and not self.has_byline and self.byline(line, block):
            return
        if _PAGE_STAFF_RE.match(block):
            current.notes.append(block)
            return
        if self.photo_credit_line(block):
            return
        if _SOURCE_NOTE_RE.match(block):
            current.notes.append(block)
            return
        trailing = _TRAILING_CREDITS_RE.match(block)
        credits = parse_credits(trailing["inside"]) if trailing and not current.credits else None
        if credits and self.decide(line, block, BYLINE, LINE_KINDS, unsure=True) == BYLINE:
            current.credits = credits
            self.has_byline = True
            return
        photo = parse_caption(block)
        if photo is not None:
            current.photos.append(photo)
            if not photo.credits:
                current.notes.append(f"图片说明没有可识别的摄影者署名:{block}")
            return
        self.add_text(block)

    def byline(self, line, block):
        """Read the block as the current article's byline if it is one (or the editor says so)."""
        current = self.current
        bold = parse_bold_byline(block)
        if bold:
            if self.decide(line, block, BYLINE, LINE_KINDS) != BYLINE:
                return self.paragraph_as_told(block)
            current.dateline, current.credits, rest = bold
            self.has_byline = True
            if rest:
                self.add_text(rest)
            return True
        credits = parse_role_line(block)
        unsure = False
        if credits is None:
            # A bare name is a guess: a one-word paragraph could be something else.
            credits, unsure = parse_name_line(block), True
        if credits is None and self.forced.get(line) == BYLINE:
            credits = parse_credits(block.replace("**", ""))
        if credits is None:
            return False
        if self.decide(line, block, BYLINE, LINE_KINDS, unsure) != BYLINE:
            return self.paragraph_as_told(block)
        current.credits = credits
        self.has_byline = True
        return True

    def photo_credit_line(self, block):
        """`本报记者 李娜 摄` on its own line: the credit of the caption just before it."""
        match = _PHOTO_CREDIT_LINE_RE.match(block)
        photos = self.current.photos
        if not match or not photos or photos[-1].credits:
            return False
        credits = parse_credits(match["credits"])
        if not credits:
            return False
        photos[-1].credits = credits
        prefix = "图片说明没有可识别的摄影者署名:"
        self.current.notes = [n for n in self.current.notes if n != prefix + photos[-1].caption]
        return True

    def paragraph_as_told(self, block):
        """The editor says this byline-like line is body text: a paragraph of its own."""
        self.current.body.append(ParsedBlock(type="paragraph", text=block))
        self.open = False
        return True

    def add_text(self, text):
        current = self.current
        last = current.body[-1] if current.body else None
        if self.open and last is not None and last.type == "paragraph":
            last.text += text
        else:
            current.body.append(ParsedBlock(type="paragraph", text=text))
        self.open = is_open(text)


def parse_issue(text, known_sections=(), *, decisions=None, keep_punctuation=False):
    """Parse a whole print issue.

    `known_sections` are column names already in use. `decisions` maps a
    source line number to how the editor says it must be read (a kind from
    `HEADING_KINDS` or `LINE_KINDS`). With `keep_punctuation`, the text is
    left exactly as the source typed it.
    """
    return _Parser(text, known_sections, decisions, keep_punctuation).run()
