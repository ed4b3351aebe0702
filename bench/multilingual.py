"""Multilingual free text: does `/discover` find the same titles when the description is not in English?

    python bench/multilingual.py [--config bot.toml] [--models NAME ...] [--sample N] [--out bench/results_quality.md]

20 descriptions, each written in English, Spanish, French, German and Japanese (translated by hand for this
benchmark). For each language: the share of the English description's top 10 that the translated description
recovers in its own top 10, averaged over the 20. English scores 1.0 by construction.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.results import state_root, write_section  # noqa: E402
from morelike.engine import Engine  # noqa: E402
from morelike.settings import load_config  # noqa: E402

LANGS = ("en", "es", "fr", "de", "ja")
DESCRIPTIONS = [
    ("a heist by stage magicians", "un atraco cometido por magos de escenario",
     "un casse commis par des magiciens de scène", "ein Raubüberfall von Bühnenzauberern", "舞台マジシャンによる強盗"),
    ("a lonely robot falls in love in space", "un robot solitario se enamora en el espacio",
     "un robot solitaire tombe amoureux dans l'espace", "ein einsamer Roboter verliebt sich im Weltraum",
     "孤独なロボットが宇宙で恋に落ちる"),
    ("a family of superheroes hiding their powers", "una familia de superhéroes que oculta sus poderes",
     "une famille de super-héros qui cache ses pouvoirs", "eine Superheldenfamilie, die ihre Kräfte verbirgt",
     "力を隠して暮らすスーパーヒーローの家族"),
    ("a detective hunts a serial killer in a rainy city",
     "un detective persigue a un asesino en serie en una ciudad lluviosa",
     "un détective traque un tueur en série dans une ville pluvieuse",
     "ein Detektiv jagt einen Serienmörder in einer verregneten Stadt", "雨の街で刑事が連続殺人犯を追う"),
    ("a chemistry teacher becomes a drug dealer", "un profesor de química se convierte en traficante de drogas",
     "un professeur de chimie devient trafiquant de drogue", "ein Chemielehrer wird zum Drogendealer",
     "化学教師が麻薬の売人になる"),
    ("astronauts stranded on Mars try to survive", "astronautas varados en Marte intentan sobrevivir",
     "des astronautes bloqués sur Mars tentent de survivre",
     "auf dem Mars gestrandete Astronauten versuchen zu überleben",
     "火星に取り残された宇宙飛行士が生き延びようとする"),
    ("a young wizard goes to a school of magic", "un joven mago va a una escuela de magia",
     "un jeune sorcier entre dans une école de magie", "ein junger Zauberer besucht eine Zauberschule",
     "若い魔法使いが魔法学校に通う"),
    ("a shark terrorizes a beach town", "un tiburón aterroriza un pueblo costero",
     "un requin terrorise une station balnéaire", "ein Hai terrorisiert einen Badeort", "サメが海辺の町を恐怖に陥れる"),
    ("a mafia family fights for power in New York", "una familia mafiosa lucha por el poder en Nueva York",
     "une famille mafieuse se bat pour le pouvoir à New York", "eine Mafiafamilie kämpft in New York um die Macht",
     "ニューヨークで権力を争うマフィアの一家"),
    ("toys come to life when nobody is watching", "los juguetes cobran vida cuando nadie los ve",
     "les jouets prennent vie quand personne ne regarde", "Spielzeuge erwachen zum Leben, wenn niemand hinsieht",
     "誰も見ていないとおもちゃが動き出す"),
    ("a romantic comedy about a wedding gone wrong", "una comedia romántica sobre una boda que sale mal",
     "une comédie romantique sur un mariage qui tourne mal", "eine romantische Komödie über eine missglückte Hochzeit",
     "結婚式が大失敗するロマンティック・コメディ"),
    ("zombies overrun the world after a virus", "los zombis invaden el mundo tras un virus",
     "les zombies envahissent le monde après un virus", "Zombies überrennen die Welt nach einem Virus",
     "ウイルスの後にゾンビが世界を覆い尽くす"),
    ("a boxer fights his way to a title shot", "un boxeador lucha hasta conseguir una pelea por el título",
     "un boxeur se bat pour obtenir un combat pour le titre", "ein Boxer kämpft sich zu einem Titelkampf",
     "ボクサーがタイトル戦への挑戦権をつかむ"),
    ("a haunted house terrifies a new family", "una casa embrujada aterroriza a una nueva familia",
     "une maison hantée terrifie une nouvelle famille", "ein Spukhaus terrorisiert eine neue Familie",
     "幽霊屋敷が新しい家族を恐怖に陥れる"),
    ("a documentary about animals in the wild", "un documental sobre animales en la naturaleza",
     "un documentaire sur les animaux sauvages", "ein Dokumentarfilm über wilde Tiere", "野生動物のドキュメンタリー"),
    ("soldiers fight on the beaches of Normandy", "soldados luchan en las playas de Normandía",
     "des soldats combattent sur les plages de Normandie", "Soldaten kämpfen an den Stränden der Normandie",
     "ノルマンディーの海岸で戦う兵士たち"),
    ("a girl enters a world of spirits to save her parents",
     "una niña entra en un mundo de espíritus para salvar a sus padres",
     "une fille entre dans un monde d'esprits pour sauver ses parents",
     "ein Mädchen betritt eine Geisterwelt, um seine Eltern zu retten", "少女が両親を救うため精霊の世界に入る"),
    ("friends share an apartment in the big city", "unos amigos comparten piso en la gran ciudad",
     "des amis partagent un appartement dans la grande ville", "Freunde teilen sich eine Wohnung in der Großstadt",
     "友人たちが大都会でアパートをシェアする"),
    ("a cowboy seeks revenge in the Wild West", "un vaquero busca venganza en el Salvaje Oeste",
     "un cow-boy cherche à se venger dans le Far West", "ein Cowboy sinnt im Wilden Westen auf Rache",
     "西部開拓時代にカウボーイが復讐を誓う"),
    ("a time traveler tries to change the past", "un viajero en el tiempo intenta cambiar el pasado",
     "un voyageur temporel tente de changer le passé", "ein Zeitreisender versucht, die Vergangenheit zu ändern",
     "タイムトラベラーが過去を変えようとする"),
]  # fmt: skip
K = 10


def measure(engine: Engine) -> dict[str, float]:
    recovered = {lang: [] for lang in LANGS}
    for texts in DESCRIPTIONS:
        english = {r.card.id for r in engine.discover(texts[0], k=K).items}
        for lang, text in zip(LANGS, texts, strict=True):
            got = {r.card.id for r in engine.discover(text, k=K).items}
            recovered[lang].append(len(got & english) / K)
    return {lang: float(np.mean(v)) for lang, v in recovered.items()}


def sample_catalog(source: Path, dest: Path, n: int) -> Path:
    """The `n` best-known titles that have a synopsis, as a catalog file of their own (their raw lines)."""
    from morelike.catalog.documents import story_chars
    from morelike.catalog.records import parse_record

    rows = []
    with gzip.open(source, "rt", encoding="utf-8") as f:
        for line in f:
            try:
                title = parse_record(json.loads(line))
            except (ValueError, TypeError, KeyError):
                continue
            if story_chars(title) > 0:
                rows.append((-(title.votes or 0), title.id, line))
    rows.sort()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        f.writelines(line for _, _, line in rows[:n])
    tmp.replace(dest)
    return dest


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], allow_abbrev=False)
    ap.add_argument("--config", type=Path, default=None)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "results_quality.md")
    ap.add_argument("--models", nargs="*", default=None, help="[model] names to compare (default: bot.toml's)")
    ap.add_argument("--sample", type=int, default=0,
                    help="build each model's index over the N best-known titles with a synopsis (0: the published "
                         "full index of --config)")  # fmt: skip
    args = ap.parse_args(argv)
    base = load_config(args.config)
    models = args.models or [base.model.name]
    rows = []
    for model in models:
        config = load_config(args.config)
        config.model.name = model
        if args.sample:
            from bench.quality import ensure_built

            state = state_root() / f"multilingual-{args.sample}-{model.replace(':', '-').replace('/', '-')}"
            catalog = sample_catalog(config.path(base.paths.catalog), state / "catalog.jsonl.gz", args.sample)
            config.paths.state_dir = str(state)
            config.paths.catalog = str(catalog)
            if not ensure_built(config):
                print(f"{model}: skipped, its index could not be built", flush=True)
                continue
        engine = Engine.open(config)
        shares = measure(engine)
        figures = " | ".join(f"{shares[lang]:.2f}" for lang in LANGS)
        rows.append(f"| `{model}` | {engine.snapshot.n:,} | {figures} |")
        print(rows[-1], flush=True)
    scope = f"the {args.sample:,} best-known titles with a synopsis" if args.sample else "the published index"
    lines = [
        "## Multilingual free text (bench/multilingual.py)",
        "",
        f"- date: {dt.datetime.now(dt.UTC).isoformat(timespec='seconds')}; index: {scope}; "
        f"{len(DESCRIPTIONS)} descriptions, top {K}; share of the English description's top 10 that each language's "
        "own top 10 recovers",
        "",
        "| model | titles | " + " | ".join(LANGS) + " |",
        "|---|---|" + "---|" * len(LANGS),
        *rows,
    ]
    text = "\n".join(lines)
    print(text)
    write_section(args.out, "multilingual", text)


if __name__ == "__main__":
    main()
