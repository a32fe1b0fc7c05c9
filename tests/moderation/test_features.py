"""Features version 4: numpy word n-gram hashing, the Cyrillic column layout (Russian stems, dense columns),
the style columns of Latin-script texts and the stacked part folded into one linear model."""

import random

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.utils import murmurhash3_32 as sklearn_murmurhash3_32

from tandem.moderation import training
from tandem.moderation.classifier import ShippedModel
from tandem.moderation.features import (
    FEATURES_VERSION,
    Featurizer,
    dense_features,
    scripts_of,
    stem_all,
    style_features,
    words_of,
)
from tandem.moderation.ngrams import SMALL_BATCH_WORDS, hashed_word_ngrams, murmurhash3_32

TEXTS = [
    "",
    "a",
    "ab c",
    "Привет  мир!! Как дела?",
    "ÀÉ Straße İ x_y 12 ﬁ",
    "🙂",
    "   ",
    "supercalifragilisticexpialidocious " * 3,
    "Ты тупой дебил, заткнись уже",
    "Хорошего вам дня, спасибо за пост",
    "mixed текст with латиница",
    "\x00weird\x00 nul",
    "ё Ё ъ",
]


def test_murmurhash_matches_scikit_learn():
    rng = random.Random(4)
    keys = [bytes(rng.randrange(256) for _ in range(n)) for n in range(0, 40) for _ in range(3)]
    keys += ["слово".encode(), b"a b", "🙂x".encode()]
    buffer = np.frombuffer(b"".join(keys), dtype=np.uint8)
    lengths = np.array([len(k) for k in keys])
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ours = murmurhash3_32(buffer, starts, lengths)
    assert ours.tolist() == [sklearn_murmurhash3_32(k, seed=0) for k in keys]


def test_word_ngrams_are_hashing_vectorizer_columns():
    vectorizer = HashingVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        token_pattern=r"(?u)\b\w+\b",
        lowercase=True,
        n_features=2**19,
        alternate_sign=False,
        norm=None,
        dtype=np.float32,
    )
    many = TEXTS * 40  # more words than SMALL_BATCH_WORDS: the numpy path; TEXTS alone: the small one
    assert sum(len(words_of(text)) for text in many) > SMALL_BATCH_WORDS > sum(map(len, map(words_of, TEXTS)))
    for texts in (TEXTS, many):
        expected = vectorizer.transform(texts)
        ours = hashed_word_ngrams([words_of(text) for text in texts], (1, 2), 2**19)
        assert ours.shape == expected.shape
        assert abs(ours - expected).max() == 0


def test_stems_are_russian_stems_of_the_words():
    assert stem_all(["Плохие люди плохо говорят", "", "!!"]) == [["плох", "люд", "плох", "говор"], [], []]


def test_dense_features():
    values = dense_features(["", "ab cd  e", "слово"])
    assert values.dtype == np.float32
    expected = np.log1p([[0, 0], [8, 3], [5, 1]])
    assert np.allclose(values, expected, atol=1e-6)


def test_style_features():
    texts = ["", "CHECK my channel www.example.com!!", "Hi @anna, 2 of 10?", "ПРИВЕТ мир", "a" * 3000]
    values = style_features(texts)
    assert values.dtype == np.float32 and values.shape == (5, 7)
    # link, length, caps, digits, exclamation, mention, question
    assert values[0].tolist() == [0, 0, 0, 0, 0, 0, 0]
    assert values[1] == pytest.approx([1, 0.034, 5 / 27, 0, 1, 0, 0])
    assert values[2] == pytest.approx([0, 0.018, 1 / 8, 3 / 18, 0, 1, 1])
    assert values[3] == pytest.approx([0, 0.01, 6 / 9, 0, 0, 0, 0])
    assert values[4] == pytest.approx([0, 1, 0, 0, 0, 0, 0])


def test_style_columns_follow_the_blocks_for_latin_texts_only():
    featurizer = Featurizer()
    style = len(featurizer.style)
    assert featurizer.n_base_columns == len(featurizer.blocks) * featurizer.n_features + style
    start = featurizer.n_base_columns - style
    base = featurizer.base_transform(TEXTS)
    routed = featurizer.transform(TEXTS)
    expected = style_features(TEXTS) * featurizer.style_weight
    for row, script in enumerate(scripts_of(TEXTS)):
        got = base[row, start : start + style].toarray().ravel()
        copy = script * featurizer.n_base_columns + start
        in_routed = routed[row, copy : copy + style].toarray().ravel()
        if script == 0:  # Cyrillic: no style columns
            assert not got.any() and not in_routed.any()
        else:
            assert got == pytest.approx(expected[row]) and in_routed == pytest.approx(expected[row])


def test_a_model_without_style_columns_keeps_its_width():
    from tandem.moderation.features import default_config

    config = {key: value for key, value in default_config().items() if not key.startswith("style")}
    featurizer = Featurizer(config)
    assert featurizer.n_base_columns == len(featurizer.blocks) * featurizer.n_features
    assert featurizer.transform(TEXTS).shape == (len(TEXTS), featurizer.n_columns)


def test_layout_blocks_are_l2_normalised_each_with_dense_columns_last():
    featurizer = Featurizer()
    width = featurizer.n_features
    X = featurizer.layout_transform("cyrillic", TEXTS)
    blocks = featurizer.layouts["cyrillic"]["blocks"]
    assert X.shape == (len(TEXTS), featurizer.layout_width("cyrillic"))
    for j in range(len(blocks)):
        norms = sp.linalg.norm(X[:, j * width : (j + 1) * width], axis=1)
        assert np.all((np.abs(norms - 1) < 1e-5) | (norms == 0))
    dense = X[:, len(blocks) * width :].toarray()
    assert np.array_equal(dense, dense_features(TEXTS))


def test_transform_puts_the_layout_on_the_cyrillic_rows_only():
    featurizer = Featurizer()
    X = featurizer.transform(TEXTS)
    assert X.shape == (len(TEXTS), featurizer.n_columns)
    layout = featurizer.layout_transform("cyrillic", TEXTS)
    columns, factors = featurizer.layout_columns("cyrillic")
    own_start = featurizer.layout_offset("cyrillic")
    for row, script in enumerate(scripts_of(TEXTS)):
        own = X[row, own_start:]
        if script != 0:
            assert own.nnz == 0
            continue
        # every layout column is in X where layout_columns says, divided by its factor
        values = layout[row].toarray().ravel()
        nz = np.flatnonzero(values)
        got = X[row].toarray().ravel()[columns[nz]]
        assert got * factors[nz] == pytest.approx(values[nz], rel=1e-5)


def test_an_old_features_version_is_refused():
    from tandem.moderation.features import default_config

    with pytest.raises(ValueError, match="make model"):
        Featurizer({**default_config(), "features_version": FEATURES_VERSION - 1})


RUDE = ["тупой", "дебил", "идиот", "заткнись", "урод", "дурак", "мразь"]
KIND = ["спасибо", "хорошего", "дня", "пост", "интересно", "друзья", "погода"]
FILLER = ["сегодня", "вчера", "мы", "они", "город", "новости", "очень", "просто", "вообще"]
RUDE_EN = ["stupid", "idiot", "moron", "shut", "ugly", "dumb", "loser"]
KIND_EN = ["thanks", "lovely", "day", "post", "great", "friends", "weather"]
FILLER_EN = ["today", "yesterday", "we", "they", "city", "news", "very", "just", "really"]


def _corpus(n: int, seed: int) -> tuple[list[str], np.ndarray]:
    rng = random.Random(seed)
    texts, labels = [], []
    for i in range(n):
        label = i % 3 == 0
        cyrillic = i % 2 == 0
        words = (RUDE if label else KIND) if cyrillic else (RUDE_EN if label else KIND_EN)
        filler = FILLER if cyrillic else FILLER_EN
        # some noise: a few labels disagree with the words, so the fit is not separable
        if rng.random() < 0.1:
            label = not label
        chosen = rng.sample(words, 2) + rng.sample(filler, rng.randint(1, 5))
        rng.shuffle(chosen)
        texts.append(" ".join(chosen) + rng.choice(["", "!", "!!!", " ?", "."]))
        labels.append(int(label))
    return texts, np.array(labels)


@pytest.fixture(scope="module")
def small_training():
    featurizer = Featurizer()
    texts, y = _corpus(300, 1)
    return featurizer, texts, y, training.featurize(featurizer, texts)


def test_folded_stacked_part_scores_as_the_unfolded_stack(small_training, monkeypatch):
    monkeypatch.setattr(training, "PRUNE", 0.0)
    _featurizer, texts, y, features = small_training
    rows = np.flatnonzero(scripts_of(texts) == 0)
    X = features.layouts["cyrillic"][rows]
    part, oof, stack = training.fit_stacked_part("toxic_cyrillic", X, y[rows], 4, 2)
    assert part.n_dense == 2
    assert part.coef.shape == (X.shape[1],)
    assert oof.shape == (len(rows),) and np.all((oof >= 0) & (oof <= 1))
    folded = np.asarray(X @ part.coef).ravel() + part.intercept
    assert folded == pytest.approx(stack.decision(X), abs=1e-3)


def test_shipped_model_scores_as_the_trained_heads(small_training, tmp_path):
    featurizer, texts, y, features = small_training
    scripts = scripts_of(texts)
    head = training.fit_head("toxic", features, y, scripts, featurizer=featurizer)
    assert [part.layout for part in head.parts] == ["cyrillic", None]
    spam = training.fit_head("spam", features, 1 - y, scripts, featurizer=featurizer)
    training.save({"toxic": head, "spam": spam}, featurizer.config, tmp_path, featurizer.normalizer_name)
    model = ShippedModel(tmp_path / training.MODEL_FILE)
    assert model.version == training.MODEL_VERSION
    new_texts, _ = _corpus(60, 2)
    new_texts += ["", "🙂", "ъ", "Ты тупой, really stupid"]
    expected = training.featurize(featurizer, new_texts)
    new_scripts = scripts_of(new_texts)
    probabilities = model.probabilities(new_texts)
    toxic, spam_column = model.heads.index("toxic"), model.heads.index("spam")
    # float16 storage of the weights: scores agree to about a thousandth
    assert probabilities[:, toxic] == pytest.approx(head.proba(expected, new_scripts), abs=2e-3)
    assert probabilities[:, spam_column] == pytest.approx(spam.proba(expected, new_scripts), abs=2e-3)


def test_a_model_file_without_part_layouts_is_refused(tmp_path):
    from tandem.moderation.classifier import MODEL_PATH

    with np.load(MODEL_PATH, allow_pickle=False) as data:
        arrays = {name: data[name] for name in data.files if name != "part_layouts"}
    np.savez(tmp_path / "old.npz", **arrays)
    with pytest.raises(ValueError, match="make model"):
        ShippedModel(tmp_path / "old.npz")


def test_scripts_of_a_batch_equals_script_of_each_text():
    from tandem.moderation.features import script_of

    texts = [*TEXTS, None, "ъ", "\ud800x", "𝐀bc", "Ѐ", "ӿz", "aб", "бa", "бaб", "Hello мир", "Привет world"]
    assert scripts_of(texts).tolist() == [script_of(text or "") for text in texts]


def test_the_spam_head_learns_a_sample_of_the_toxic_sets_as_negatives(monkeypatch):
    monkeypatch.setattr(training, "CROSS_NEGATIVES_MAX", 5)
    labels = np.array([0, 1] * 10, dtype=np.int8)
    datasets = {
        "toxic_set": training.Dataset("toxic_set", "toxic", ["t"] * 20, labels),
        "spam_set": training.Dataset("spam_set", "spam", ["s"] * 20, labels),
        "small_toxic": training.Dataset("small_toxic", "toxic", ["x"] * 4, labels[:4]),
    }
    splits = {name: training.Split([*range(0, len(d.texts), 2), 1], []) for name, d in datasets.items()}
    parts = {name: (index, y) for name, index, y in training.training_rows("spam", datasets, splits)}
    own_index, own_y = parts["spam_set"]
    assert own_index.tolist() == splits["spam_set"].train and own_y.tolist() == labels[own_index].tolist()
    sample, zeros = parts["toxic_set"]
    assert len(sample) == 5 and set(sample) <= set(splits["toxic_set"].train) and not zeros.any()
    assert np.all(np.diff(sample) > 0)
    assert parts["small_toxic"][0].tolist() == splits["small_toxic"].train  # fewer than the cap: all of them
    again = {name: index for name, index, _y in training.training_rows("spam", datasets, splits)}
    assert again["toxic_set"].tolist() == sample.tolist()  # the same sample every time
    fold = {
        name: index
        for name, index, _y in training.training_rows("spam", datasets, splits, {"spam_set": [3, 5]})
    }
    assert fold["spam_set"].tolist() == [3, 5] and len(fold["toxic_set"]) == 5
    # the spam sets' ordinary messages are not labelled for toxicity: the toxic head learns its own sets only
    toxic = {name: y for name, _index, y in training.training_rows("toxic", datasets, splits)}
    assert sorted(toxic) == ["small_toxic", "toxic_set"]


def test_rows_learnt_from_but_not_scored_leave_c_and_the_threshold_to_the_heads_own_rows():
    # own rows: positives carry column 0, negatives column 1; the other rows look like positives, labelled 0
    own_y = np.array([1, 0] * 30, dtype=np.int8)
    other_y = np.zeros(30, dtype=np.int8)
    columns = [0 if label else 1 for label in own_y] + [0] * len(other_y)
    X = sp.csr_matrix((np.ones(len(columns)), (np.arange(len(columns)), columns)), shape=(len(columns), 4))
    y = np.concatenate([own_y, other_y])
    scored = np.arange(len(y)) < len(own_y)
    everything, _oof = training.fit_part("spam_latin", X, y, c_grid=(1.0,))
    own, oof = training.fit_part("spam_latin", X, y, c_grid=(1.0,), scored=scored)
    assert everything.cv["1.0"]["f1"] < 0.9
    assert own.cv["1.0"]["f1"] == 1.0 and len(oof) == len(y)
    assert (own.coef == everything.coef).all()  # the same model (seeded): only what judges it differs


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (
            "Hello I&#39;am from here<br />ok\ufeff",
            "Hello I'am from here\nok",
        ),  # YouTube: entity, tag, U+FEFF
        (
            '<a href="http://www.youtube.com/watch?v=KQ6zr6kCPj8&amp;t=2m19s">2:19</a> best part\ufeff',
            "2:19 best part",
        ),
        (
            "so funny &#128514;&#128514; &amp; true &gt;&gt;",
            "so funny 😂😂 & true >>",
        ),  # Davidson: entities only
        ("<3 you, x < y", "<3 you, x < y"),  # a bare < is text
    ],
)
def test_the_html_sets_are_learnt_as_their_authors_typed_them(stored, typed):
    assert training.plain_text(stored) == typed


def test_only_the_sets_stored_as_html_are_decoded(tmp_path):
    rows = {
        "ru_toxic_2ch_pikabu": ("comments.csv", "text,label\n&amp; как есть,1\n"),
        "en_davidson_hate_offensive": ("tweets.csv", "text,class\nRT &amp; go,2\n"),
        "en_youtube_spam": ("comments.csv", "text,label,video\nhi<br />there\ufeff,0,Psy\n"),
        "ru_tg_spam_umputun": ("messages.csv", "text,label\n&lt;b&gt;,1\n"),
    }
    for name, (filename, content) in rows.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / filename).write_text(content, encoding="utf-8")
    texts = {name: dataset.texts for name, dataset in training.load_datasets(tmp_path).items()}
    assert texts == {
        "ru_toxic_2ch_pikabu": ["&amp; как есть"],
        "en_davidson_hate_offensive": ["RT & go"],
        "en_youtube_spam": ["hi\nthere"],
        "ru_tg_spam_umputun": ["&lt;b&gt;"],
    }
