#!/usr/bin/env python3
"""Render a folder of synthetic training speech with espeak-ng and festival (seeded).

The text is composed here, from small word lists and number readings, so the
result depends on nothing but this script, the seed and the installed
synthesisers (Debian's ``espeak-ng`` and, if present, ``festival``). It never
reads the benchmark corpus (``../shared/corpus``): a codebook trained on this
speech can be evaluated there honestly.

Each utterance is spoken by a voice chosen at random (seeded) among espeak-ng's
languages and voice variants, at a random pitch (``-p``), speed (``-s``) and
word gap, or by festival's diphone voice with a random F0 target and duration
stretch; its level is set to a random peak. Every utterance is written at each
requested sample rate (resampled with a polyphase filter, ``scipy.signal.resample_poly``)::

    OUT/sr8000/utt00000.wav   OUT/sr16000/utt00000.wav   ...   OUT/manifest.json

The manifest records, per utterance, the text, engine, voice, pitch, speed,
gain and duration, and the settings of the whole run. The folder is built under
a temporary name and renamed into place when complete; an existing folder is
kept unless ``--force`` is given.

Usage::

    python tools/render_speech.py OUT [--n 400] [--seed 0] [--rates 8000 16000] [--no-festival]

As a library (the codebook training script imports it)::

    render(out_dir, n_utterances=400, seed=0, rates=(8000, 16000))
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import numpy as np

#: espeak-ng languages used (all in Debian's espeak-ng-data); those in WORDS also get sentences.
LANGUAGES = (
    "en-us", "en-gb", "en-gb-scotland", "en-029", "de", "fr-fr", "fr-be", "es", "es-419", "it",
    "nl", "pt", "pt-br", "sv", "da", "nb", "fi", "pl", "cs", "sk", "hu", "ro", "hr", "sl", "tr",
    "id", "ms", "sw", "eu", "ca", "et", "lv", "lt", "is", "cy", "ru", "uk", "bg", "el", "cmn",
    "yue", "hi", "bn", "ta", "ja", "ko", "ar", "fa", "vi", "th",
)
#: Languages written in the Latin script: pseudo-words are read with their spelling rules.
LATIN = {"en-us", "en-gb", "en-gb-scotland", "en-029", "de", "fr-fr", "fr-be", "es", "es-419",
         "it", "nl", "pt", "pt-br", "sv", "da", "nb", "fi", "pl", "cs", "sk", "hu", "ro", "hr",
         "sl", "tr", "id", "ms", "sw", "eu", "ca", "et", "lv", "lt", "is", "cy", "vi"}
#: espeak-ng voice variants (``+name``); whispered and robotic ones are left out.
VARIANTS = ("", "", "", "m1", "m2", "m3", "m4", "m5", "m6", "m7", "f1", "f2", "f3", "f4", "f5",
            "klatt", "klatt2", "klatt3", "Andrea", "Alicia", "Annie", "belinda", "benjamin",
            "david", "edward", "grandma", "grandpa", "iven", "john", "linda", "max", "michel",
            "norbert", "paul", "quincy", "rob", "robert", "steph", "travis", "victor", "zac")

# Small word lists: (subjects, verbs, objects, extras) per language, composed into sentences.
WORDS = {
    "en": (["the old man", "a young woman", "my brother", "our teacher", "the child",
            "a tall farmer", "the doctor", "her friend", "the small dog", "every student"],
           ["sees", "finds", "carries", "paints", "opens", "remembers", "sells", "buys",
            "washes", "follows"],
           ["a red apple", "the heavy box", "seven blue boats", "the morning paper",
            "a quiet garden", "the wooden door", "some fresh bread", "the long river"],
           ["today", "after dinner", "in the rain", "very slowly", "near the station",
            "before noon", "without a word", "again and again"]),
    "de": (["der alte Mann", "eine junge Frau", "mein Bruder", "die Kinder", "der Lehrer",
            "ein kleiner Hund", "die Nachbarin", "unser Arzt"],
           ["sieht", "findet", "trägt", "malt", "öffnet", "kauft", "verkauft", "sucht"],
           ["einen roten Apfel", "die schwere Kiste", "das blaue Boot", "die Zeitung",
            "einen stillen Garten", "die hölzerne Tür", "frisches Brot"],
           ["heute", "nach dem Essen", "im Regen", "sehr langsam", "am Bahnhof", "wieder"]),
    "fr": (["le vieil homme", "une jeune femme", "mon frère", "les enfants", "le professeur",
            "un petit chien", "la voisine", "notre médecin"],
           ["voit", "trouve", "porte", "peint", "ouvre", "achète", "vend", "cherche"],
           ["une pomme rouge", "la lourde boîte", "le bateau bleu", "le journal",
            "un jardin tranquille", "la porte en bois", "du pain frais"],
           ["aujourd'hui", "après le dîner", "sous la pluie", "très lentement", "près de la gare",
            "encore une fois"]),
    "es": (["el hombre viejo", "una mujer joven", "mi hermano", "los niños", "el maestro",
            "un perro pequeño", "la vecina", "nuestro médico"],
           ["ve", "encuentra", "lleva", "pinta", "abre", "compra", "vende", "busca"],
           ["una manzana roja", "la caja pesada", "el barco azul", "el periódico",
            "un jardín tranquilo", "la puerta de madera", "pan fresco"],
           ["hoy", "después de cenar", "bajo la lluvia", "muy despacio", "cerca de la estación",
            "otra vez"]),
    "it": (["il vecchio", "una giovane donna", "mio fratello", "i bambini", "il maestro",
            "un piccolo cane", "la vicina", "il nostro medico"],
           ["vede", "trova", "porta", "dipinge", "apre", "compra", "vende", "cerca"],
           ["una mela rossa", "la scatola pesante", "la barca blu", "il giornale",
            "un giardino tranquillo", "la porta di legno", "pane fresco"],
           ["oggi", "dopo cena", "sotto la pioggia", "molto lentamente", "vicino alla stazione",
            "ancora una volta"]),
    "nl": (["de oude man", "een jonge vrouw", "mijn broer", "de kinderen", "de leraar",
            "een kleine hond", "de buurvrouw", "onze dokter"],
           ["ziet", "vindt", "draagt", "schildert", "opent", "koopt", "verkoopt", "zoekt"],
           ["een rode appel", "de zware doos", "de blauwe boot", "de krant", "een stille tuin",
            "de houten deur", "vers brood"],
           ["vandaag", "na het eten", "in de regen", "heel langzaam", "bij het station",
            "opnieuw"]),
    "pt": (["o velho", "uma mulher jovem", "o meu irmão", "as crianças", "o professor",
            "um cão pequeno", "a vizinha", "o nosso médico"],
           ["vê", "encontra", "leva", "pinta", "abre", "compra", "vende", "procura"],
           ["uma maçã vermelha", "a caixa pesada", "o barco azul", "o jornal",
            "um jardim tranquilo", "a porta de madeira", "pão fresco"],
           ["hoje", "depois do jantar", "na chuva", "muito devagar", "perto da estação",
            "outra vez"]),
    "sv": (["den gamle mannen", "en ung kvinna", "min bror", "barnen", "läraren",
            "en liten hund", "grannen", "vår läkare"],
           ["ser", "hittar", "bär", "målar", "öppnar", "köper", "säljer", "letar efter"],
           ["ett rött äpple", "den tunga lådan", "den blå båten", "tidningen",
            "en stilla trädgård", "trädörren", "färskt bröd"],
           ["i dag", "efter middagen", "i regnet", "mycket långsamt", "vid stationen",
            "igen"]),
}

CONSONANTS = "bcdfghjklmnprstvz"
VOWELS = "aeiou"


class RenderError(Exception):
    """A synthesiser is missing or failed, or the output folder exists."""


def _family(language):
    return language.split("-")[0]


def _number_phrase(rng):
    kind = rng.integers(4)
    if kind == 0:
        return str(int(rng.integers(0, 10_000)))
    if kind == 1:
        return f"{rng.integers(1, 29)}.{rng.integers(1, 13)}.{rng.integers(1900, 2030)}"
    if kind == 2:
        return f"{rng.integers(0, 24)}:{rng.integers(0, 60):02d}"
    return " ".join(str(int(d)) for d in rng.integers(0, 10, size=rng.integers(3, 7)))


def _pseudo_word(rng):
    n = int(rng.integers(1, 4))
    syllables = []
    for _ in range(n):
        s = CONSONANTS[rng.integers(len(CONSONANTS))] + VOWELS[rng.integers(len(VOWELS))]
        if rng.random() < 0.3:
            s += CONSONANTS[rng.integers(len(CONSONANTS))]
        syllables.append(s)
    return "".join(syllables)


def compose_text(language, rng):
    """One utterance of text for ``language`` (two or three clauses), from the seeded ``rng``."""
    family = _family(language)
    clauses = []
    for _ in range(int(rng.integers(2, 4))):
        if family in WORDS and rng.random() < 0.75:
            subjects, verbs, objects, extras = WORDS[family]
            words = [subjects[rng.integers(len(subjects))], verbs[rng.integers(len(verbs))],
                     objects[rng.integers(len(objects))]]
            if rng.random() < 0.6:
                words.append(extras[rng.integers(len(extras))])
            clauses.append(" ".join(words))
        elif language in LATIN and rng.random() < 0.5:
            clauses.append(" ".join(_pseudo_word(rng) for _ in range(int(rng.integers(3, 7)))))
        else:
            clauses.append(_number_phrase(rng))
    text = ", ".join(clauses)
    return text[0].upper() + text[1:] + (". " if rng.random() < 0.7 else "? ")


def _read_wav(path):
    import soundfile

    y, sr = soundfile.read(path, dtype="float64", always_2d=False)
    if y.ndim > 1:
        y = y.mean(axis=1)
    return y, sr


def _resample(y, sr_in, sr_out):
    if sr_in == sr_out:
        return y
    from scipy.signal import resample_poly

    ratio = Fraction(sr_out, sr_in)
    return resample_poly(y, ratio.numerator, ratio.denominator)


def _espeak(text, voice, pitch, speed, gap, wav):
    command = ["espeak-ng", "-v", voice, "-p", str(pitch), "-s", str(speed), "-g", str(gap),
               "-w", str(wav), text]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0 or not wav.exists() or wav.stat().st_size <= 44:
        raise RenderError(f"espeak-ng failed for voice {voice!r}: {' '.join(command)}\n{done.stderr}")


def _festival_batch(jobs, workdir):
    """Render (text, f0_mean, f0_std, stretch, wav) jobs in one festival process."""
    lines = ["(voice_kal_diphone)"]
    for text, f0_mean, f0_std, stretch, wav in jobs:
        clean = "".join(c for c in text if c.isalnum() or c in " ,.?'").replace("'", "")
        lines.append(
            f"(set! int_lr_params '((target_f0_mean {f0_mean}) (target_f0_std {f0_std}) "
            f"(model_f0_mean 170) (model_f0_std 34)))"
        )
        lines.append(f"(Parameter.set 'Duration_Stretch {stretch})")
        lines.append(f'(utt.save.wave (SynthText "{clean}") "{wav}" \'riff)')
    script = Path(workdir) / "festival.scm"
    script.write_text("\n".join(lines) + "\n", encoding="ascii")
    done = subprocess.run(["festival", "-b", str(script)], capture_output=True, text=True)
    missing = [str(job[-1]) for job in jobs if not Path(job[-1]).exists()]
    if done.returncode != 0 or missing:
        raise RenderError(f"festival failed ({len(missing)} files missing):\n{done.stderr[-2000:]}")


def plan(n_utterances, seed, *, festival=True, festival_share=0.12):
    """The seeded list of utterances to render: dicts of text, engine, voice and prosody."""
    rng = np.random.default_rng(seed)
    items = []
    for i in range(n_utterances):
        if festival and rng.random() < festival_share:
            item = {"engine": "festival", "voice": "kal_diphone", "language": "en-us",
                    "f0_mean": int(rng.integers(70, 220)), "f0_std": int(rng.integers(8, 35)),
                    "stretch": round(float(rng.uniform(0.8, 1.3)), 2)}
        else:
            language = LANGUAGES[rng.integers(len(LANGUAGES))]
            variant = VARIANTS[rng.integers(len(VARIANTS))]
            item = {"engine": "espeak-ng", "language": language,
                    "voice": language + (f"+{variant}" if variant else ""),
                    "pitch": int(rng.integers(10, 90)), "speed": int(rng.integers(110, 230)),
                    "gap": int(rng.integers(0, 4))}
        item["text"] = compose_text("en" if item["engine"] == "festival" else item["language"], rng)
        item["peak"] = round(float(10 ** rng.uniform(-1.3, -0.1)), 4)  # -26 to -2 dBFS
        item["name"] = f"utt{i:05d}"
        items.append(item)
    return items


def available_engines():
    """Which synthesisers are installed: {"espeak-ng": bool, "festival": bool}."""
    return {name: shutil.which(name) is not None for name in ("espeak-ng", "festival")}


def render(out_dir, *, n_utterances=400, seed=0, rates=(8000, 16000), festival=True,
           force=False, progress=None):
    """Render ``n_utterances`` of synthetic speech into ``out_dir`` at each rate in ``rates``.

    Parameters
    ----------
    out_dir : str or path-like
        Folder to create (``sr<rate>/utt00000.wav``... and ``manifest.json``).
    n_utterances : int
        Number of utterances (about 3 s each).
    seed : int
        Seed of the text, voices and prosody (same seed, same files).
    rates : sequence of int
        Sample rates to write.
    festival : bool
        Also use festival (when installed) for a share of the utterances.
    force : bool
        Replace an existing ``out_dir``.
    progress : callable, optional
        Called with (done, total) after each utterance.

    Returns
    -------
    dict
        The manifest (also written to ``out_dir/manifest.json``).
    """
    out_dir = Path(out_dir)
    engines = available_engines()
    if not engines["espeak-ng"]:
        raise RenderError("espeak-ng is not installed (Debian: apt-get install espeak-ng)")
    if out_dir.exists() and not force:
        raise RenderError(f"{out_dir} exists; pass --force to replace it")
    use_festival = festival and engines["festival"]
    rates = tuple(int(r) for r in rates)
    items = plan(n_utterances, seed, festival=use_festival)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    try:
        raw = staging / "raw"
        raw.mkdir()
        for rate in rates:
            (staging / f"sr{rate}").mkdir()
        fest = [it for it in items if it["engine"] == "festival"]
        if fest:
            _festival_batch([(it["text"], it["f0_mean"], it["f0_std"], it["stretch"],
                              raw / f"{it['name']}.wav") for it in fest], staging)
        for done, item in enumerate(items, 1):
            wav = raw / f"{item['name']}.wav"
            if item["engine"] == "espeak-ng":
                _espeak(item["text"], item["voice"], item["pitch"], item["speed"], item["gap"], wav)
            y, sr = _read_wav(wav)
            wav.unlink()
            peak = np.max(np.abs(y))
            if peak <= 0:
                raise RenderError(f"{item['engine']} produced silence for {item}")
            y = y * (item["peak"] / peak)
            item["duration"] = round(len(y) / sr, 3)
            for rate in rates:
                _write_wav(staging / f"sr{rate}" / f"{item['name']}.wav", _resample(y, sr, rate), rate)
            if progress is not None:
                progress(done, len(items))
        raw.rmdir()
        (staging / "festival.scm").unlink(missing_ok=True)
        manifest = {
            "generator": "tools/render_speech.py", "seed": seed, "n_utterances": n_utterances,
            "rates": list(rates), "engines": {"espeak-ng": True, "festival": use_festival},
            "total_seconds": round(sum(it["duration"] for it in items), 3), "utterances": items,
        }
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False)
                                               + "\n", encoding="utf-8")
        if out_dir.exists():
            shutil.rmtree(out_dir)
        os.replace(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _write_wav(path, y, sr):
    import soundfile

    soundfile.write(path, np.clip(y, -1.0, 1.0), sr, subtype="PCM_16")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out_dir", help="folder to create")
    parser.add_argument("--n", type=int, default=400, help="number of utterances (default 400)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rates", type=int, nargs="+", default=[8000, 16000])
    parser.add_argument("--no-festival", action="store_true", help="espeak-ng only")
    parser.add_argument("--force", action="store_true", help="replace an existing folder")
    args = parser.parse_args(argv)
    if args.n < 1:
        parser.error("--n must be at least 1")

    def progress(done, total):
        if done % 50 == 0 or done == total:
            print(f"{done}/{total} utterances", file=sys.stderr)

    try:
        manifest = render(args.out_dir, n_utterances=args.n, seed=args.seed, rates=args.rates,
                          festival=not args.no_festival, force=args.force, progress=progress)
    except RenderError as exc:
        print(f"render_speech: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {manifest['n_utterances']} utterances, {manifest['total_seconds']:.0f} s at "
          f"{', '.join(str(r) for r in manifest['rates'])} Hz, to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
