"""Turn the flattened text of a print issue into structured articles.

Plain Python with no Django import: text in, dataclasses out. The
`import_issue` command maps the result onto models, so each half can be
tested alone.

The source is a page layout flattened to text, one block per line:

- `#` and `##` lines are headlines, but a `##` line may also be a column
  banner (栏目) or a heading the layout dropped into the middle of a
  split paragraph. Which one it is depends on its neighbours; see
  `_classify_h2`.
- `###` lines are subheads.
- A byline is a bold lead-in `**本报讯(记者 李娜)** 正文…`, a plain line
  `本报记者 邵南 通讯员 张弘强`, or only the author's name.
- `图为…本报特约通讯员 胡建华 摄。` paragraphs are photo captions.
- A paragraph that stops mid-sentence continues in the next paragraph.

The parser never raises on any text: whatever it cannot place becomes a
note for an editor rather than an exception or lost text.
"""

import re
from dataclasses import asdict, dataclass, field

# Longest first, so that 特约通讯员 is not read as 通讯员.
ROLES = ("特约通讯员", "特约记者", "摄影记者", "通讯员", "实习生", "记者", "作者", "编辑")
DEFAULT_ROLE = "作者"
STAFF_PREFIX = "本报"

_ROLE_RE = re.compile(rf"^(?P<staff>{STAFF_PREFIX})?(?P<role>{'|'.join(ROLES)})(?P<rest>.*)$")
# Chinese names, including transliterated Mongolian and other names joined by a middle dot.
_NAME_RE = re.compile(
    r"^(?:[\u3400-\u9fff]{2,6}|[\u3400-\u9fff]{1,8}(?:[·•・][\u3400-\u9fff]{1,8})+)$"
)
_CREDIT_SEPARATORS = re.compile(r"[\s\u3000、,，;；:：/]+")
_HEADING_RE = re.compile(r"^(?P<hashes>#{1,6})[ \t\u3000]+(?P<text>.*?)[ \t\u3000#]*$")
_BOLD_LEAD_RE = re.compile(r"^\*\*(?P<bold>.+?)\*\*[ \t\u3000]*(?P<rest>.*)$")
_BRACKETED_RE = re.compile(r"^(?P<before>[^(（]*?)[ \t\u3000]*[(（](?P<inside>[^)）]*)[)）]$")
_LEADING_BRACKET_RE = re.compile(r"^[(（](?P<inside>[^)）]*)[)）][ \t\u3000]*(?P<rest>.*)$")
_CAPTION_START = "图为"
_PHOTO_MARK_RE = re.compile(r"[ \t\u3000]*摄[。.]?$")
_SENTENCE_BREAK = "。!?！？.;；…"
# A paragraph ending in one of these stopped mid-sentence and goes on in the next one.
_OPEN_END_RE = re.compile(r"[\w,，、“‘(（《〈【—\-·]$")
# Short lines that sit where a name-only byline would but are not names.
_NOT_NAMES = {"编者按", "图片新闻", "本报讯", "评论员", "短评", "社论", "导读"}


@dataclass
class Credit:
    name: str
    role: str
    staff: bool = False


@dataclass
class Block:
    type: str  # "paragraph" or "subhead"
    text: str


@dataclass
class Photo:
    caption: str
    credits: list[Credit] = field(default_factory=list)


@dataclass
class Article:
    headline: str
    kicker: str | None = None
    subheadline: str | None = None
    section: str | None = None
    dateline: str | None = None
    credits: list[Credit] = field(default_factory=list)
    body: list[Block] = field(default_factory=list)
    photos: list[Photo] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    # Whether the last paragraph stopped mid-sentence (parser state, not output).
    _open: bool = field(default=False, repr=False, compare=False)
    _has_byline: bool = field(default=False, repr=False, compare=False)

    def to_dict(self):
        data = asdict(self)
        data.pop("_open")
        data.pop("_has_byline")
        return data

    @property
    def started(self):
        """True once the article has body text, so a byline or column can no longer lead it."""
        return bool(self.body or self.photos)


@dataclass
class ParsedIssue:
    articles: list[Article] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_dict(self):
        return {
            "articles": [article.to_dict() for article in self.articles],
            "notes": list(self.notes),
        }


def normalize_text(text):
    """Decode-level clean-up: drop a BOM, unify line ends."""
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def split_blocks(text):
    return [line.strip(" \t\u3000\u00a0") for line in normalize_text(text).split("\n")]


def parse_credits(text):
    """Read `本报记者 邵南 通讯员 张弘强` into credits; None if it is not a credit list.

    A role covers every name after it until the next role; a role written
    with the 本报 prefix marks its people as the paper's staff.
    """
    tokens = [token for token in _CREDIT_SEPARATORS.split(text.strip()) if token]
    if not tokens:
        return None
    credits = []
    role = None
    role_staff = False
    for token in tokens:
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
            role, role_staff = DEFAULT_ROLE, False
        credits.append(Credit(name=token, role=role, staff=role_staff))
    if not credits:
        return None
    return credits


def parse_role_line(text):
    """A plain byline line that starts with a role: `本报记者 邵南 通讯员 张弘强`."""
    first = _CREDIT_SEPARATORS.split(text.strip(), maxsplit=1)[0]
    if not _ROLE_RE.match(first):
        return None
    return parse_credits(text)


def parse_name_line(text):
    """A line that is only the author's name (or a few names): `狄雅莉`."""
    tokens = [token for token in _CREDIT_SEPARATORS.split(text.strip()) if token]
    if not tokens or len(tokens) > 4 or text.strip() in _NOT_NAMES:
        return None
    if not all(_NAME_RE.match(token) and (len(token) <= 4 or "·" in token) for token in tokens):
        return None
    return parse_credits(text)


def parse_bold_byline(text):
    """`**本报讯(记者 李娜)** 正文` → (dateline, credits, rest of paragraph), or None."""
    match = _BOLD_LEAD_RE.match(text)
    if not match:
        return None
    bold, rest = match["bold"].strip(), match["rest"]
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


def parse_caption(text):
    """`图为…。本报特约通讯员 胡建华 摄。` → Photo with the caption text and its credits."""
    if not text.startswith(_CAPTION_START):
        return None
    mark = _PHOTO_MARK_RE.search(text)
    if not mark:
        return Photo(caption=text)
    before = text[: mark.start()]
    # The credit is the longest tail after a sentence break or a space that reads as credits.
    for index, char in enumerate(before):
        if char in _SENTENCE_BREAK or char in " \t\u3000":
            tail = before[index + 1 :]
            credits = parse_credits(tail)
            if credits:
                return Photo(caption=before[: index + 1].rstrip(" \t\u3000"), credits=credits)
    return Photo(caption=text)


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
    def __init__(self, text, known_sections):
        self.blocks = [block for block in split_blocks(text) if block]
        self.known_sections = set(known_sections)
        self.result = ParsedIssue()
        self.current = None
        self.pending_section = None

    def next_block(self, index, offset=1):
        position = index + offset
        return self.blocks[position] if position < len(self.blocks) else None

    def start_article(self, headline):
        self.current = Article(headline=headline, section=self.pending_section)
        self.pending_section = None
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
        for index, block in enumerate(self.blocks):
            level_text = heading(block)
            if level_text is None:
                self.paragraph(block)
                continue
            level, text = level_text
            if not text:
                continue
            if level == 1:
                self.start_article(text)
            elif level == 2:
                self.h2(index, text)
            else:
                self.subhead(index, text)
        return self.result

    def next_is_paragraph(self, index):
        following = self.next_block(index)
        return following is not None and heading(following) is None

    def h2(self, index, text):
        following = self.next_block(index)
        following_heading = heading(following) if following else None
        current = self.current

        # A banner directly above a `#` headline belongs to that article.
        if following_heading and following_heading[0] == 1:
            self.pending_section = text
            return
        # Just after a headline (or its byline), before any body: subheadline or column.
        if current is not None and not current.started:
            if self.is_subheadline(text) and current.subheadline is None:
                current.subheadline = text
                return
            if current.section is None:
                self.set_section(text)
                return
        # Two `##` lines and then a byline: one is the column, the other the headline.
        if following_heading and following_heading[0] == 2:
            after = self.next_block(index, 2)
            if after and heading(after) is None and is_byline(after):
                this_column = looks_like_column(text, self.known_sections)
                next_column = looks_like_column(following_heading[1], self.known_sections)
                # Banner above the headline is the usual layout; the text decides otherwise.
                if next_column and not this_column:
                    self.start_article(text)
                else:
                    self.pending_section = text
                return
        if following and heading(following) is None and is_byline(following):
            self.start_article(text)
            return
        if current is None:
            self.start_article(text)
            return
        # Dropped into a paragraph the layout split: not a new article.
        if current._open and self.next_is_paragraph(index):
            if current.section is None and text in self.known_sections:
                current.section = text
            else:
                current.notes.append(text)
            return
        if current.section is None or text == current.section:
            self.set_section(text)
            return
        if text in self.known_sections:
            current.notes.append(text)
            return
        self.start_article(text)

    def is_subheadline(self, text):
        return text.startswith(("——", "—", "--"))

    def subhead(self, index, text):
        current = self.current
        if current is None:
            self.result.notes.append(text)
            return
        if not current.started and current.subheadline is None and self.is_subheadline(text):
            current.subheadline = text
            return
        if current._open and self.next_is_paragraph(index):
            current.notes.append(text)
            return
        current.body.append(Block(type="subhead", text=text))
        current._open = False

    def paragraph(self, block):
        current = self.current
        if current is None:
            self.result.notes.append(block)
            return
        if not current.started and not current._has_byline:
            bold = parse_bold_byline(block)
            if bold:
                current.dateline, current.credits, rest = bold
                current._has_byline = True
                if rest:
                    self.add_text(rest)
                return
            credits = parse_role_line(block) or parse_name_line(block)
            if credits:
                current.credits = credits
                current._has_byline = True
                return
        photo = parse_caption(block)
        if photo is not None:
            current.photos.append(photo)
            if not photo.credits:
                current.notes.append(f"图片说明没有可识别的摄影者署名:{block}")
            return
        self.add_text(block)

    def add_text(self, text):
        current = self.current
        last = current.body[-1] if current.body else None
        if current._open and last is not None and last.type == "paragraph":
            last.text += text
        else:
            current.body.append(Block(type="paragraph", text=text))
        current._open = is_open(text)


def parse_issue(text, known_sections=()):
    """Parse a whole print issue. `known_sections` are column names already in use."""
    return _Parser(text, known_sections).run()
