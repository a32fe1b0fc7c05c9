"""Lemmas: Russian word forms go to their dictionary form, offsets point at the words."""

from tandem.moderation.lemmas import lemmas, lemmatize


def test_russian_forms_go_to_the_dictionary_form():
    assert lemmatize("идиотами") == "идиот"
    assert lemmatize("дураки") == "дурак"
    assert lemmatize("Дураки") == "дурак"


def test_english_is_only_lower_cased():
    assert lemmatize("Idiots") == "idiots"
    assert lemmatize("HELLO") == "hello"


def test_numbers_stay():
    assert lemmatize("2024") == "2024"


def test_lemmas_with_offsets():
    text = "эти идиотами, дураки! Hello кто-нибудь don't 2024"
    result = lemmas(text)
    assert [lemma for lemma, _, _ in result] == [
        "этот",
        "идиот",
        "дурак",
        "hello",
        "кто-нибудь",
        "don't",
        "2024",
    ]
    assert [text[a:b] for _, a, b in result] == [
        "эти",
        "идиотами",
        "дураки",
        "Hello",
        "кто-нибудь",
        "don't",
        "2024",
    ]


def test_lemmas_of_normalised_text():
    from tandem.moderation.normalize import normalize

    result = normalize("вы все и.д.и.о.т.ы")
    [(_lemma, a, b)] = [item for item in lemmas(result.text) if item[0] == "идиот"]
    start, end = result.span_in_original(a, b)
    assert "вы все и.д.и.о.т.ы"[start:end] == "и.д.и.о.т.ы"


def test_hyphen_and_apostrophe_only_inside_words():
    text = "-привет- 'hi'"
    assert [(text[a:b]) for _, a, b in lemmas(text)] == ["привет", "hi"]


def test_empty_text():
    assert lemmas("") == []
