"""Sampling programs, writing their documentation and tests, and splitting a world by program.

Everything is a function of the world seed. The benchmark is drawn from its own random stream and
only from *held-out skeletons* (a seeded hash of the skeleton — input type, primitives, which
constant is the parameter — decides), so it does not depend on the training sizes and no held-out
program, nor a renaming of one or one with other constants, can be drawn for training. Training
programs whose behaviour on fixed probe inputs equals a benchmark program's are dropped too (e.g.
"sort descending" against "sort ascending, then reverse").
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from functools import lru_cache

from batcoder.world.primitives import (
    BY_NAME, CONSTANT_VALUES, INT, LIST, PARAMETER_NAMES, PARAMETER_VALUES, PRIMITIVES, STR, Primitive,
)  # fmt: skip
from batcoder.world.program import LANGUAGES, TYPE_HINTS, Program, Step, render
from batcoder.world.values import random_inputs

DEFAULT_SEED = 1234
INPUT_TYPE_WEIGHTS = {LIST: 0.5, STR: 0.3, INT: 0.2}
DEPTH_WEIGHTS = {1: 0.15, 2: 0.35, 3: 0.3, 4: 0.2}
PARAMETER_SHARE = 0.4  # programs where one int constant becomes an extra parameter
HELPER_SHARE = 0.3  # predicate steps written with a local helper function
MAX_GROWTH_STEPS = 2
TESTS_PER_PROGRAM = 8
PROBES = 16  # inputs on which two programs of one signature are compared for equal behaviour
PROBE_PARAMETER_VALUES = (0, 1, 2, 3, 4, 5)  # in every parameter kind's domain
MAX_OUTPUT_MAGNITUDE = 10**12

INPUT_NAMES = {
    LIST: ("values", "nums", "numbers", "items", "xs", "data", "scores", "arr", "ints", "readings"),
    STR: ("text", "s", "word", "line", "phrase", "sentence", "msg", "label"),
    INT: ("n", "x", "value", "num", "number", "q"),
}
VARIABLE_NAMES = {
    LIST: ("result", "out", "kept", "vals", "parts", "seq", "picked", "tmp", "batch", "rows"),
    INT: ("total", "result", "count", "answer", "res", "score", "val", "acc"),
    STR: ("result", "out", "cleaned", "res", "new_text", "buf"),
}
ELEMENT_NAMES = ("v", "item", "e", "el", "elem", "y")
SCRATCH_NAMES = ("running", "seen", "tmp_value", "carry", "work", "rest", "chunk", "found", "m")
PREFIXES = ("", "get_", "compute_", "calc_", "make_", "find_", "to_")

# Documentation wording.
INPUT_PHRASES = {
    LIST: ("a list of integers", "a list of whole numbers", "an integer list", "a sequence of integers"),
    STR: ("a string", "a piece of text", "a line of text", "a string of words"),
    INT: ("an integer", "a whole number", "a number"),
}
CURRENT_PHRASES = {
    LIST: ("the list", "the result", "the current list"),
    STR: ("the string", "the result", "the text"),
    INT: ("the number", "the result", "the value"),
}
TYPE_PHRASES = {LIST: "a list of integers", STR: "a string", INT: "an integer"}
PARAMETER_PHRASES = {
    "threshold": ("the integer to compare against", "an integer bound", "the limit used in the comparison"),
    "count": ("how many elements or characters to use (not negative)", "a non-negative count"),
    "amount": ("the integer amount to add or subtract", "an integer offset"),
    "factor": ("the integer factor", "the integer to multiply by"),
}
SUMMARIES = (
    "Compute {a_type} from {input} by {gerunds}.",
    "Transform {input} by {gerunds}.",
    "Starting from {input}, compute {result} by {gerunds}.",
    "Given {input}, produce {a_type} by {gerunds}.",
    "Process {input}: {gerunds}.",
)
FINAL_STEPS = ("Return the result.", "Return {result}.", "Give back {result}.", "Return that {noun}.")
TYPE_NOUNS = {LIST: "list", STR: "string", INT: "number"}
RETURNS = ("{result}, as {a_type}", "{a_type}: {result}", "{result}")
DOC_ATTEMPTS = 12

_RESERVED = {"i", "j", "w", "ch", "d", "a", "b", "_"}


COUNTS = ("pretrain_python", "pretrain_ruby", "pretrain_go", "pretrain_parallel", "pretrain_ruby_documented", "rl",
          "benchmark")  # WorldConfig's program counts (the world cli's size flags)


@dataclass(frozen=True)
class WorldConfig:
    """What a world holds; the seed decides everything else."""

    seed: int = DEFAULT_SEED  # regenerates a whole new world (programs, names, wording, held-out skeletons)
    pretrain_python: int = 4000  # documented Python programs for pretraining
    pretrain_ruby: int = 2000  # Ruby programs for pretraining, code only (other programs than the Python ones)
    pretrain_go: int = 1000  # Go programs for pretraining, code only
    pretrain_parallel: int = 0  # programs for pretraining as parallel code: all three renderings in one document, no documentation
    pretrain_ruby_documented: int = 0  # Ruby programs for pretraining with their reference documentation (the small paired share)
    rl: int = 1000  # programs of the RL corpus (code only), each in all three languages
    benchmark: int = 164  # held-out problems, each in all three languages
    held_out_fraction: float = 0.15  # share of skeletons reserved for the benchmark
    valid_fraction: float = 0.05  # share of pretrain / rl rows in their "valid" split (by content hash)
    tests_per_program: int = TESTS_PER_PROGRAM  # test inputs per program

    def __post_init__(self):
        for name in (*COUNTS, "tests_per_program"):
            if getattr(self, name) < 0:
                raise ValueError(f"WorldConfig.{name} must be >= 0")
        if not 0 < self.held_out_fraction < 1 or not 0 <= self.valid_fraction < 1:
            raise ValueError("held_out_fraction must be in (0, 1) and valid_fraction in [0, 1)")


SIZES = {
    "tiny": dict(pretrain_python=60, pretrain_ruby=30, pretrain_go=20, rl=30, benchmark=12),
    "small": dict(pretrain_python=1000, pretrain_ruby=500, pretrain_go=250, rl=300, benchmark=64),
    "default": {},
    "large": dict(pretrain_python=12000, pretrain_ruby=6000, pretrain_go=3000, rl=3000, benchmark=300),
}


@dataclass(frozen=True)
class WorldProgram:
    """A program with what the world knows about it."""

    program: Program
    doc: str | None  # reference documentation (documented programs only)
    inputs: tuple[tuple, ...]  # test inputs
    outputs: tuple  # expected outputs (from the Python rendering)
    fingerprint: str  # behaviour on the signature's probe inputs

    @property
    def task_name(self) -> str:
        return f"{self.program.name}_{self.program.key[:6]}"


@dataclass
class World:
    config: WorldConfig
    benchmark: list[WorldProgram]
    pretrain: dict[str, list[WorldProgram]]  # language -> programs
    rl: list[WorldProgram]
    stats: dict = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------


def is_held_out(skeleton: str, seed: int, fraction: float) -> bool:
    digest = hashlib.sha256(f"{seed}:{skeleton}".encode()).hexdigest()
    return int(digest[:12], 16) < fraction * 16**12


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _next_primitives(current: str, index: int, previous: Primitive | None, growth: int) -> list[Primitive]:
    options = []
    for primitive in PRIMITIVES:
        if primitive.takes != current or (primitive.first_only and index > 0):
            continue
        if previous is not None and (primitive.name == previous.name or (primitive.family and primitive.family == previous.family)):
            continue
        if primitive.grows and growth >= MAX_GROWTH_STEPS:
            continue
        options.append(primitive)
    return options


def sample_program(rng: random.Random) -> Program:
    """A random program (names and constants drawn too); its tests are checked by the caller."""
    input_type = _weighted(rng, INPUT_TYPE_WEIGHTS)
    depth = _weighted(rng, DEPTH_WEIGHTS)
    chosen: list[Primitive] = []
    current, growth = input_type, 0
    for index in range(depth):
        options = _next_primitives(current, index, chosen[-1] if chosen else None, growth)
        if not options:
            break
        primitive = rng.choice(options)
        chosen.append(primitive)
        growth += primitive.grows
        current = primitive.gives
    slots = [(i, j) for i, p in enumerate(chosen) for j, kind in enumerate(p.constants) if kind in PARAMETER_VALUES]
    parameter_slot = rng.choice(slots) if slots and rng.random() < PARAMETER_SHARE else None

    used = set(_RESERVED)

    def pick(pool) -> str:
        free = [name for name in pool if name not in used]
        name = rng.choice(free) if free else f"{pool[0]}{len(used)}"
        used.add(name)
        return name

    input_name = pick(INPUT_NAMES[input_type])
    parameter = parameter_kind = None
    if parameter_slot:
        parameter_kind = chosen[parameter_slot[0]].constants[parameter_slot[1]]
        parameter = pick(PARAMETER_NAMES[parameter_kind])
    element = pick(ELEMENT_NAMES)
    steps = []
    for index, primitive in enumerate(chosen):
        constants = []
        for slot, kind in enumerate(primitive.constants):
            if (index, slot) == parameter_slot:
                constants.append(None)
            else:
                options = [value for value in CONSTANT_VALUES[kind] if value not in constants]
                constants.append(rng.choice(options))
        helper = pick(primitive.helpers) if primitive.helpers and rng.random() < HELPER_SHARE else None
        steps.append(Step(primitive.name, tuple(constants), helper, pick(VARIABLE_NAMES[primitive.gives]), pick(SCRATCH_NAMES)))
    words = [rng.choice(BY_NAME[step.primitive].words) for step in reversed(steps)][: rng.choice((1, 2))]
    name = rng.choice(PREFIXES) + "_".join(dict.fromkeys(words))
    if "_" not in name or name in used:
        name = rng.choice(PREFIXES[1:]) + name
    while name in used:
        name += "_x"
    return Program(name, input_type, input_name, parameter, parameter_kind, element, tuple(steps))


# ---------------------------------------------------------------------------------------------
# Documentation


def _join(phrases: list[str], rng: random.Random) -> str:
    if len(phrases) == 1:
        return phrases[0]
    if rng.random() < 0.5:
        return ", ".join(phrases[:-1]) + " and " + phrases[-1]
    return ", then ".join(phrases)


def _constant_words(program: Program, step: Step) -> dict:
    texts = [program.parameter if value is None else f"'{value}'" if isinstance(value, str) else str(value)
             for value in step.constants]
    return {"c": texts[0] if texts else "", "c2": texts[1] if len(texts) > 1 else ""}


def write_doc(program: Program, rng: random.Random) -> str:
    """One reference documentation of ``program`` in :data:`batcoder.prompts.DOC_FORMAT`."""
    from batcoder.prompts import render_doc

    last = BY_NAME[program.steps[-1].primitive]
    result = rng.choice(last.results)
    behavior = []
    for index, step in enumerate(program.steps):
        primitive = BY_NAME[step.primitive]
        source = program.input_name if index == 0 else rng.choice(CURRENT_PHRASES[primitive.takes])
        text = rng.choice(primitive.steps).format(src=source, **_constant_words(program, step))
        behavior.append(text[0].upper() + text[1:])
    behavior.append(rng.choice(FINAL_STEPS).format(result=result, noun=TYPE_NOUNS[program.output_type]))
    gerunds = [rng.choice(BY_NAME[step.primitive].gerunds).format(**_constant_words(program, step)) for step in program.steps]
    summary = rng.choice(SUMMARIES).format(
        a_type=TYPE_PHRASES[program.output_type], input=rng.choice(INPUT_PHRASES[program.input_type]),
        gerunds=_join(gerunds, rng), result=result,
    )
    parameters = [(program.input_name, rng.choice(INPUT_PHRASES[program.input_type]))]
    if program.parameter:
        parameters.append((program.parameter, rng.choice(PARAMETER_PHRASES[program.parameter_kind])))
    returns = rng.choice(RETURNS).format(result=result, a_type=TYPE_PHRASES[program.output_type])
    return render_doc(summary[0].upper() + summary[1:], behavior, parameters, returns[0].upper() + returns[1:])


def document(program: Program, rng: random.Random, languages=LANGUAGES) -> str | None:
    """A documentation the format filter accepts (R_doc = 1) for the renderings in ``languages``, or ``None``."""
    from batcoder import docfilter

    codes = [(render(program, language), language) for language in languages]
    for _ in range(DOC_ATTEMPTS):
        doc = write_doc(program, rng)
        if all(docfilter.check(doc, code, language).score == 1.0 for code, language in codes):
            return doc
    return None


# ---------------------------------------------------------------------------------------------
# Running the Python rendering (generated code, run in-process)


def python_function(program: Program):
    namespace: dict = {}
    exec(compile(render(program, "python"), f"<world {program.name}>", "exec"), namespace)  # noqa: S102 - our own code
    return namespace[program.name]


def run_python(program: Program, inputs) -> list:
    """Outputs on ``inputs``; an input on which it raises gives an ``Exception`` instance."""
    function = python_function(program)
    outputs = []
    for arguments in inputs:
        try:
            outputs.append(function(*[list(a) if isinstance(a, list) else a for a in arguments]))
        except Exception as error:  # noqa: BLE001 - recorded as the output
            outputs.append(error)
    return outputs


@lru_cache(maxsize=64)
def probe_inputs(seed: int, types: tuple[str, ...]) -> tuple[tuple, ...]:
    rng = random.Random(f"{seed}:probes:{types}")
    domains = [None] + [PROBE_PARAMETER_VALUES] * (len(types) - 1)
    return tuple(random_inputs(list(types), rng, PROBES, domains))


def fingerprint(program: Program, seed: int) -> str:
    """Behaviour on the signature's probe inputs (equal for programs that compute the same thing there)."""
    types = tuple(program.argument_types)
    outputs = run_python(program, probe_inputs(seed, types))
    text = repr((types, TYPE_HINTS[program.output_type],
                 [type(o).__name__ if isinstance(o, Exception) else o for o in outputs]))
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def _test_inputs(program: Program, rng: random.Random, count: int) -> list[tuple]:
    domains = [None] + ([PARAMETER_VALUES[program.parameter_kind]] if program.parameter else [])
    return random_inputs(program.argument_types, rng, count, domains)


def _acceptable(outputs: list) -> bool:
    if any(isinstance(o, Exception) for o in outputs):
        return False
    if any(isinstance(o, int) and abs(o) > MAX_OUTPUT_MAGNITUDE for o in outputs):
        return False
    if any(isinstance(o, list) and any(abs(x) > MAX_OUTPUT_MAGNITUDE for x in o) for o in outputs):
        return False
    return len({repr(o) for o in outputs}) >= 2  # a constant function tests nothing


def draw(rng: random.Random, config: WorldConfig, want_held_out: bool, documented: tuple[str, ...],
         seen: set[str], forbidden_behaviour: set[str], counts: dict) -> WorldProgram:
    """The next acceptable program of the stream: held-out skeleton or not, new key and behaviour."""
    while True:
        counts["drawn"] = counts.get("drawn", 0) + 1
        program = sample_program(rng)
        if is_held_out(program.skeleton, config.seed, config.held_out_fraction) != want_held_out:
            continue
        if program.key in seen:
            counts["duplicate"] = counts.get("duplicate", 0) + 1
            continue
        inputs = _test_inputs(program, rng, config.tests_per_program)
        outputs = run_python(program, inputs)
        if not _acceptable(outputs):
            counts["degenerate"] = counts.get("degenerate", 0) + 1
            continue
        behaviour = fingerprint(program, config.seed)
        if behaviour in forbidden_behaviour:
            counts["same_behaviour"] = counts.get("same_behaviour", 0) + 1
            continue
        doc = None
        if documented:
            doc = document(program, rng, documented)
            if doc is None:
                counts["doc_rejected"] = counts.get("doc_rejected", 0) + 1
                continue
        seen.add(program.key)
        forbidden_behaviour.add(behaviour)
        return WorldProgram(program, doc, tuple(inputs), tuple(outputs), behaviour)


def generate_benchmark(config: WorldConfig) -> list[WorldProgram]:
    """The held-out problems (a function of the seed and ``config.benchmark`` only)."""
    rng = random.Random(f"{config.seed}:benchmark")
    seen, behaviours, counts = set(), set(), {}
    return [draw(rng, config, True, LANGUAGES, seen, behaviours, counts) for _ in range(config.benchmark)]


def generate_world(config: WorldConfig, progress: bool = False) -> World:
    """The whole world: benchmark first, then pretraining and RL programs that avoid its behaviours."""
    from tqdm import tqdm

    benchmark = generate_benchmark(config)
    benchmark_behaviour = {item.fingerprint for item in benchmark}
    rng = random.Random(f"{config.seed}:train")
    seen = {item.program.key for item in benchmark}
    behaviours = set(benchmark_behaviour)
    counts: dict = {}
    # Pretraining Python is documented (and its documentation checked against the Python code);
    # Ruby, Go, the parallel code and the RL corpus are code only. The parallel programs and the
    # documented Ruby come last, so a world with them has the same other programs as the world without.
    plan = [("python", config.pretrain_python, ("python",)), ("ruby", config.pretrain_ruby, ()),
            ("go", config.pretrain_go, ()), ("rl", config.rl, ()), ("parallel", config.pretrain_parallel, ()),
            ("ruby_documented", config.pretrain_ruby_documented, ("ruby",))]
    bar = tqdm(total=sum(n for _, n, _ in plan), desc="world", unit="program", disable=not progress)
    pretrain: dict[str, list[WorldProgram]] = {}
    rl: list[WorldProgram] = []
    with bar:
        for part, size, documented in plan:
            items = []
            for _ in range(size):
                items.append(draw(rng, config, False, documented, seen, behaviours, counts))
                bar.update()
            if part == "rl":
                rl = items
            else:
                pretrain[part] = items
    stats = {"draws": counts}
    return World(config, benchmark, pretrain, rl, stats)
