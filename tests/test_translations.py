"""The Russian translation stays complete: every entry translated, placeholders intact, every string the
code marks for translation present in the catalogue, and a page actually rendered in Russian.

When one of these fails after you added or changed English text: run ``make makemessages``, translate the new
entries in tandem/locale/ru/LC_MESSAGES/django.po (no ``#, fuzzy`` left), then ``make messages``.
"""

import ast
import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.urls import reverse
from django.utils.html import escape

ROOT = Path(__file__).resolve().parent.parent
TANDEM = ROOT / "tandem"
PO_PATH = TANDEM / "locale" / "ru" / "LC_MESSAGES" / "django.po"
LOGIN = "/accounts/login/"

HOW_TO_FIX = (
    "Run `make makemessages`, translate these entries in tandem/locale/ru/LC_MESSAGES/django.po "
    "(and remove any `#, fuzzy` flag after checking the translation), then `make messages`."
)

RUSSIAN_PLURAL_FORMS = (
    "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);"
)

# %(name)s with optional flags, width and precision; %s and friends only count in python-format entries.
NAMED_PLACEHOLDER = re.compile(r"%\(\w+\)[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")
POSITIONAL_PLACEHOLDER = re.compile(r"%[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa]")
TEMPLATE_VARIABLE = re.compile(r"\{\{\s*([\w.]+)[^}]*\}\}")

GETTEXT_NAMES = {"_", "gettext", "gettext_lazy"}
# {% translate "…" %} / {% trans '…' %}, with optional `context "…"`, `noop`, `as var` after the literal.
TRANSLATE_TAG = re.compile(
    r"""\{%\s*(?:translate|trans)\s+(?P<quote>["'])(?P<msgid>.*?)(?P=quote)(?P<rest>.*?)%\}"""
)
TAG_CONTEXT = re.compile(r"""\bcontext\s+(?P<quote>["'])(?P<context>.*?)(?P=quote)""")
# _("…") used as a constant inside template tags and variables, e.g. {{ value|default:_("none") }}.
TEMPLATE_CONSTANT = re.compile(r"""\{[{%][^}]*?\b_\(\s*(?P<quote>["'])(?P<msgid>.*?)(?P=quote)\s*\)""")


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    assert PO_PATH.exists(), f"{PO_PATH.relative_to(ROOT)} is missing. {HOW_TO_FIX}"
    return polib.pofile(str(PO_PATH))


def live_entries(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [entry for entry in catalogue if not entry.obsolete]


def listing(msgids) -> str:
    return "\n".join(f"  - {msgid!r}" for msgid in msgids)


def placeholders(text: str, *, python_format: bool) -> Counter:
    """The substitution points of ``text``: named %(x)s, template {{ x }} and, in python-format text, %s."""
    text = text.replace("%%", "")
    found = Counter({match: 1 for match in NAMED_PLACEHOLDER.findall(text)})
    found.update(f"{{{{ {name} }}}}" for name in set(TEMPLATE_VARIABLE.findall(text)))
    if python_format:
        # Positional placeholders must match in number as well as in kind.
        found.update(POSITIONAL_PLACEHOLDER.findall(NAMED_PLACEHOLDER.sub("", text)))
    return found


def msgstr_forms(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(form name, text) for every translation of the entry."""
    if entry.msgid_plural:
        return [(f"msgstr[{index}]", text) for index, text in sorted(entry.msgstr_plural.items())]
    return [("msgstr", entry.msgstr)]


# (a) complete ---------------------------------------------------------------------------------------------


def test_catalogue_header_is_russian(catalogue):
    assert catalogue.metadata.get("Language") == "ru"
    assert "charset=UTF-8" in catalogue.metadata.get("Content-Type", "")
    assert catalogue.metadata.get("Project-Id-Version", "").startswith("Tandem")
    assert " ".join(catalogue.metadata.get("Plural-Forms", "").split()) == RUSSIAN_PLURAL_FORMS
    assert not catalogue.metadata_is_fuzzy, "The catalogue header is marked fuzzy: remove that flag."


def test_every_entry_is_translated(catalogue):
    untranslated = []
    for entry in live_entries(catalogue):
        if "fuzzy" in entry.flags:
            continue  # reported by the fuzzy test below
        if entry.msgid_plural:
            forms = [entry.msgstr_plural.get(index, "") for index in range(3)]
            if not all(form.strip() for form in forms) or len(entry.msgstr_plural) != 3:
                untranslated.append(entry.msgid)
        elif not entry.msgstr.strip():
            untranslated.append(entry.msgid)
    assert not untranslated, (
        f"{len(untranslated)} untranslated entries in the Russian catalogue (plural entries need all three "
        f"Russian forms):\n{listing(untranslated)}\n{HOW_TO_FIX}"
    )


def test_no_entry_is_fuzzy(catalogue):
    fuzzy = [entry.msgid for entry in live_entries(catalogue) if "fuzzy" in entry.flags]
    assert not fuzzy, (
        f"{len(fuzzy)} fuzzy entries in the Russian catalogue: makemessages guessed these from similar "
        f"strings and gettext ignores them at run time. Check each translation and remove its `#, fuzzy` "
        f"line:\n{listing(fuzzy)}"
    )


# (b) placeholders -----------------------------------------------------------------------------------------


def test_translations_keep_the_placeholders(catalogue):
    problems = []
    for entry in live_entries(catalogue):
        python_format = "python-format" in entry.flags
        # Russian uses its "one" form for 21, 31 … too, so every form needs the plural's placeholders.
        source = entry.msgid_plural or entry.msgid
        expected = placeholders(source, python_format=python_format)
        for form, text in msgstr_forms(entry):
            if not text:
                continue  # an untranslated entry is reported by test_every_entry_is_translated
            actual = placeholders(text, python_format=python_format)
            if actual != expected:
                problems.append(
                    f"  - {entry.msgid!r} {form}: expected {sorted(expected.elements())}, "
                    f"found {sorted(actual.elements())}"
                )
    assert not problems, (
        "These translations lost, renamed or added placeholders; keep every %(name)s and {{ name }} "
        "exactly as in the English text:\n" + "\n".join(problems)
    )


def test_placeholder_parser():
    assert placeholders("%(count)s of %(total)d, 100%% sure", python_format=True) == Counter(
        {"%(count)s": 1, "%(total)d": 1}
    )
    assert placeholders("%s and %s", python_format=True) == Counter({"%s": 2})
    assert placeholders("100% sure", python_format=False) == Counter()
    assert placeholders("Hello {{ user.name|title }}", python_format=False) == Counter({"{{ user.name }}": 1})


# (c) up to date with the code -----------------------------------------------------------------------------


def source_files(*patterns: str) -> list[Path]:
    files = set()
    for pattern in patterns:
        files.update(TANDEM.glob(pattern))
    skipped = {"locale", "__pycache__", "node_modules"}
    return sorted(
        path
        for path in files
        if path.is_file()
        and not any(part in skipped or part.startswith(".") for part in path.relative_to(TANDEM).parts)
    )


def python_msgids() -> list[tuple[str, str | None, str]]:
    """(msgid, context, where) for every _/gettext/gettext_lazy call with one constant string argument."""
    found = []
    for path in source_files("**/*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or node.keywords or len(node.args) != 1:
                continue
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else None
            )
            argument = node.args[0]
            if (
                name in GETTEXT_NAMES
                and isinstance(argument, ast.Constant)
                and isinstance(argument.value, str)
            ):
                found.append((argument.value, None, f"{path.relative_to(ROOT)}:{node.lineno}"))
    return found


def template_msgids() -> list[tuple[str, str | None, str]]:
    """(msgid, context, where) for every {% translate "literal" %} and _("literal") in templates and .txt."""
    found = []
    for path in source_files("**/templates/**/*.html", "templates/**/*.html", "**/*.txt"):
        text = path.read_text(encoding="utf-8")
        for match in TRANSLATE_TAG.finditer(text):
            where = f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
            context = TAG_CONTEXT.search(match["rest"])
            # Django doubles % in {% translate %} literals before looking them up (as makemessages does).
            found.append((match["msgid"].replace("%", "%%"), context and context["context"], where))
        for match in TEMPLATE_CONSTANT.finditer(text):
            where = f"{path.relative_to(ROOT)}:{text.count(chr(10), 0, match.start()) + 1}"
            found.append((match["msgid"], None, where))
    return found


def test_the_scanners_find_the_strings_we_know_about():
    python = {msgid for msgid, _context, _where in python_msgids()}
    templates = {msgid for msgid, _context, _where in template_msgids()}
    assert "SMM manager" in python  # workspaces/roles.py, gettext_lazy as _
    assert "Sign in to Tandem" in templates  # templates/accounts/login.html
    assert "Reset your Tandem password" in templates  # a .txt e-mail subject


def test_every_marked_string_is_in_the_catalogue(catalogue):
    known = {(entry.msgctxt, entry.msgid) for entry in live_entries(catalogue)}
    missing = {}
    for msgid, context, where in python_msgids() + template_msgids():
        if (context, msgid) not in known:
            missing.setdefault((context, msgid), []).append(where)
    assert not missing, (
        f"{len(missing)} strings marked for translation are not in the Russian catalogue:\n"
        + "\n".join(
            f"  - {msgid!r}{f' (context {context!r})' if context else ''} at {', '.join(places)}"
            for (context, msgid), places in sorted(missing.items(), key=lambda item: item[0][1])
        )
        + f"\n{HOW_TO_FIX}"
    )


# (d) a page in Russian ------------------------------------------------------------------------------------


@pytest.fixture
def compiled_catalogue(catalogue, settings, tmp_path):
    """Serve the Russian catalogue as it is in the .po file (the .mo files are build output, not committed):
    compile it into a temporary LOCALE_PATHS, which also resets Django's translation caches."""
    messages = tmp_path / "ru" / "LC_MESSAGES"
    messages.mkdir(parents=True)
    catalogue.save_as_mofile(str(messages / "django.mo"))
    settings.LOCALE_PATHS = [tmp_path]
    return catalogue


@pytest.mark.django_db
def test_login_page_renders_in_russian(client, compiled_catalogue):
    sign_in_to_tandem = compiled_catalogue.find("Sign in to Tandem")
    assert sign_in_to_tandem is not None and sign_in_to_tandem.msgstr, HOW_TO_FIX
    sign_in = compiled_catalogue.find("Sign in")

    response = client.post(reverse("set_language"), {"language": "ru", "next": LOGIN})
    assert response.status_code == 302
    page = client.get(LOGIN).content.decode()

    assert '<html lang="ru">' in page
    assert escape(sign_in_to_tandem.msgstr) in page
    assert f"<title>{escape(sign_in.msgstr)} · Tandem</title>" in page
    assert "Sign in to Tandem" not in page
