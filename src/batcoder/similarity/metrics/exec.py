"""Execution equivalence: the share of generated inputs on which the candidate returns what the
reference returns.

S(c, c') = |{x : c(x) ok, c'(x) ok, c(x) == c'(x)}| / |{x : c(x) ok}|, over inputs generated from the
*reference's* signature by :mod:`batcoder.world.values` (the world's input generator, so world
programs get the inputs they were written for):

* Python: the type hints (``int``, ``float``, ``bool``, ``str``, ``list[...]``/``List[...]`` of those),
  else the documentation's ``>>> f(...)`` examples (which also become the first inputs), else how the
  body uses the parameter (``x.split()`` → string, ``x.append``/``sum(x)`` → list, ``x % 2`` → int);
* Go: the parameter types (``int``, ``float64``, ``bool``, ``string``, slices of those), one result;
* Ruby has no types: a world program's are read from the generator's templates its body matches
  (:func:`batcoder.world.program.argument_types`); otherwise each parameter's type is inferred from
  how the body uses it (``x.map``/``.select`` → list, ``x.split``/``.upcase`` → string,
  ``x.abs``/``x % 2``/``(0...x)`` → integer).

Everything runs in the sandbox (:class:`batcoder.sandbox.SandboxPool`, one worker per scoring
process). Python and Ruby run many functions — the references and candidates of a whole batch of
pairs (:func:`score_many`, which ``score_pairs`` uses), up to 64 per run — in one program, each
function in a forked child with its own namespace, a CPU limit and its own prints silenced; Go
compiles one function per run. Each function is called on every input; an exception on one input
fails that input only, a hang or a crash the inputs it did not reach, and a function that takes the
whole run down costs a rerun of the functions after it. Results come back behind a random per-run
prefix, so a function cannot print results of its own. Outputs are compared as the language prints
them (Python ``repr`` with floats to 9 significant digits and dicts/sets sorted, Ruby ``inspect``,
Go ``%v`` as MultiPL-E's tests compare). Function runs are cached.

**Not exercisable** — no supported signature, a type that cannot be inferred, a reference that fails
on every input: the score falls back to CSSG for that pair (so a real corpus keeps the paper's reward
where execution cannot say anything, instead of a reward of 0 that would steer training towards
exercisable functions), and the pair is counted with its reason in :func:`stats` (and logged as a
warning the first time each reason occurs in a process).
"""

from __future__ import annotations

import ast
import atexit
import hashlib
import json
import logging
import random
import re
import secrets
import threading
from collections import Counter, OrderedDict
from dataclasses import dataclass

from batcoder.similarity.base import Metric

INPUTS = 16  # generated inputs per reference
TIMEOUT_S = {"python": 10.0, "ruby": 10.0, "go": 30.0}  # per run, plus 0.5 s per function in it; Go compiles first
CACHE_SIZE = 4096
FALLBACK_METRIC = "cssg"

_STATS: Counter = Counter()
_REASONS: Counter = Counter()


def stats() -> dict:
    """Pairs scored in this process: how many were exercised, how many fell back, and why."""
    return {"pairs": _STATS["pairs"], "exercised": _STATS["exercised"], "not_exercisable": _STATS["not_exercisable"],
            "reasons": dict(_REASONS)}


def reset_stats() -> None:
    _STATS.clear()
    _REASONS.clear()


class NotExercisable(Exception):
    """Why inputs cannot be generated for (or run on) a reference."""


# ---------------------------------------------------------------------------------------------
# Signatures


@dataclass(frozen=True)
class Signature:
    name: str
    types: tuple[str, ...]  # batcoder.world.values type names
    examples: tuple[tuple, ...] = ()  # argument tuples from the documentation's ">>> f(...)" lines


_PY_TYPES = {"int": "int", "float": "float", "bool": "bool", "str": "str"}


def _python_type(node: ast.expr | None) -> str | None:
    if node is None:
        return None
    if isinstance(node, ast.Name):
        return "list[int]" if node.id in ("list", "List") else _PY_TYPES.get(node.id)
    if isinstance(node, ast.Subscript):
        base = node.value.attr if isinstance(node.value, ast.Attribute) else getattr(node.value, "id", None)
        element = _python_type(node.slice)
        if base in ("list", "List") and element in _PY_TYPES.values():
            return f"list[{element}]"
    if isinstance(node, ast.Attribute):
        return _PY_TYPES.get(node.attr)
    return None


def _value_type(value) -> str | None:
    """The type name of an example argument (``None`` for what the generator cannot make)."""
    for type_name, kind in (("bool", bool), ("int", int), ("float", float), ("str", str)):
        if isinstance(value, kind):
            return type_name
    if isinstance(value, list):
        elements = {_value_type(item) for item in value}
        if not elements or elements == {"int"}:
            return "list[int]"
        if elements <= {"int", "float"}:
            return "list[float]"
        if len(elements) == 1 and None not in elements and not elements.pop().startswith("list"):
            return f"list[{_value_type(value[0])}]"
    return None


def _doc_examples(function: ast.FunctionDef) -> list[tuple]:
    """Argument tuples of the ``>>> name(...)`` lines of a function's docstring (literals only)."""
    examples = []
    for match in re.finditer(rf"^\s*>>>\s*{re.escape(function.name)}\((.*)\)\s*$", ast.get_docstring(function) or "", re.M):
        try:
            call = ast.parse(f"f({match.group(1)})", mode="eval").body
            arguments = tuple(ast.literal_eval(argument) for argument in call.args)
        except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
            continue
        if not call.keywords and len(arguments) == len(function.args.args) and json.loads(json.dumps(arguments)) == list(arguments):
            examples.append(arguments)
    return examples


_PY_STRING_USE = r"split|upper|lower|strip|lstrip|rstrip|replace|startswith|endswith|isdigit|isalpha|isupper|islower|isspace|find|swapcase|title|capitalize|encode|zfill"


def _python_parameter_type(name: str, body: str) -> str | None:
    n = re.escape(name)
    if re.search(rf"\b{n}\.(?:{_PY_STRING_USE})\(", body):
        return "str"
    if re.search(rf"\b{n}\.(?:append|sort|pop|extend|remove|insert)\(", body) or re.search(rf"\bsum\(\s*{n}\s*\)", body):
        return "list[int]"
    if (re.search(rf"\brange\((?:[^()]*,\s*)?{n}\s*[,)]", body) or re.search(rf"\b{n}\s*(?:%|//|\*\*|<<|>>|[-+*]\s*\d)", body)
            or re.search(rf"\b{n}\s*[<>]=?\s*-?\d", body) or re.search(rf"\b{n}\s*[!=]=\s*-?\d", body)):
        return "int"
    if re.search(rf"\b(?:sorted|max|min|len|reversed|enumerate)\(\s*{n}\s*\)|\bfor\s+\w+\s+in\s+{n}\b|\b{n}\[", body):
        return "list[int]"
    return None


def _python_entry(functions: list[ast.FunctionDef]) -> ast.FunctionDef:
    """The function the others serve: the last top-level function no other top-level function calls."""
    called = {node.func.id for function in functions for node in ast.walk(function)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id != function.name}
    entries = [function for function in functions if function.name not in called]
    return (entries or functions)[-1]


def _python_signature(code: str) -> Signature:
    """Types from the hints; else from the documentation's examples; else from how the body uses a
    parameter (``x.split()`` → string, ``x.append`` / ``sum(x)`` → list, ``range(x)`` / ``x % 2`` → int)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        raise NotExercisable("python: reference does not parse") from None
    functions = [node for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    if not functions:
        raise NotExercisable("python: no top-level function")
    function = _python_entry(functions)
    arguments = function.args
    if arguments.vararg or arguments.kwarg or arguments.kwonlyargs or arguments.posonlyargs:
        raise NotExercisable("python: variadic or keyword-only parameters")
    examples = _doc_examples(function)
    body = ast.unparse(function)
    types = []
    for position, argument in enumerate(arguments.args):
        type_name = _python_type(argument.annotation)
        if argument.annotation is not None and type_name is None:
            raise NotExercisable("python: a parameter's type hint is not one the input generator makes")
        if type_name is None and examples:
            seen = {_value_type(example[position]) for example in examples}
            type_name = seen.pop() if len(seen) == 1 else None
        if type_name is None:
            type_name = _python_parameter_type(argument.arg, body)
        if type_name is None:
            raise NotExercisable("python: a parameter's type is neither hinted, nor shown by examples or its use")
        types.append(type_name)
    return Signature(function.name, tuple(types), tuple(examples))


_GO_FUNC = re.compile(r"^func\s+([A-Za-z_]\w*)\s*\(([^()]*)\)\s*([^{]*)\{", re.M)
_GO_TYPES = {"int": "int", "float64": "float", "bool": "bool", "string": "str"}


def _go_type(text: str) -> str | None:
    text = text.strip()
    if text.startswith("[]"):
        element = _GO_TYPES.get(text[2:].strip())
        return f"list[{element}]" if element else None
    return _GO_TYPES.get(text)


def _go_signature(code: str) -> Signature:
    match = _GO_FUNC.search(code)
    if not match:
        raise NotExercisable("go: no top-level function")
    name, parameters, result = match.groups()
    if not result.strip() or result.strip().startswith("(") or _go_type(result) is None:
        raise NotExercisable("go: not one result of a supported type")
    types: list[str] = []
    pending = 0  # names waiting for a type ("a, b int")
    for part in filter(None, (p.strip() for p in parameters.split(","))):
        pieces = part.split(None, 1)
        if len(pieces) == 1:
            pending += 1
            continue
        type_name = _go_type(pieces[1])
        if type_name is None:
            raise NotExercisable("go: unsupported parameter type")
        types += [type_name] * (pending + 1)
        pending = 0
    if pending:
        raise NotExercisable("go: unsupported parameter list")
    return Signature(name, tuple(types))


_RUBY_DEF = re.compile(r"^\s*def\s+([A-Za-z_]\w*[?!]?)\s*(?:\(([^()]*)\)|([^\n;]*))", re.M)
_RUBY_LIST = r"each|each_with_index|each_cons|each_slice|map|select|reject|sort|sort_by|sum|uniq|max|min|first|last|drop|take|zip|inject|reduce|push|pop|flatten|group_by|partition|min_by|max_by|tally|combination|each_index"
_RUBY_STRING = r"upcase|downcase|capitalize|split|chars|gsub|sub|delete|strip|lstrip|rstrip|start_with\?|end_with\?|tr|bytes|swapcase|center|ljust|rjust|squeeze|lines|scan|ord"
_RUBY_INT = r"abs|digits|times|even\?|odd\?|upto|downto|to_s\(2\)|gcd|lcm|pred|succ|zero\?|positive\?|negative\?|divmod|fdiv"


def _ruby_parameter_type(name: str, body: str) -> str | None:
    n = re.escape(name)
    if re.search(rf"\b{n}\.(?:{_RUBY_STRING})\b", body) or re.search(rf"\b{n}\.(?:count|index|include\?)\(\s*['\"]", body):
        return "str"
    if re.search(rf"\b{n}\[\s*-?\d+\s*,", body):  # s[0, n]: how Ruby code (and the world) slices a string
        return "str"
    if re.search(rf"\b{n}\.(?:{_RUBY_LIST})\b", body) or re.search(rf"\b{n}\.(?:count|index|find_index)\s*\{{", body):
        return "list[int]"
    if (re.search(rf"\b{n}\.(?:{_RUBY_INT})\b", body) or re.search(rf"\(\s*-?\d+\s*\.\.\.?\s*{n}\s*\)", body)
            or re.search(rf"\b{n}\s*(?:%|\*\*?|/|-|\+|<=?|>=?)\s*-?\w", body)
            or re.search(rf"\b\w+\s*(?:%|-|\+|\*|<=?|>=?)\s*{n}\b", body)
            or re.search(rf"\[[^\]\n]*\b{n}\b[^\]\n]*\]", body)  # an index or a bound: x[n], [v, n].min
            or re.search(rf"\.(?:first|last|drop|take|each_slice|each_cons|rotate|sample)\(\s*{n}\s*\)", body)):
        return "int"
    return None


def _ruby_signature(code: str) -> Signature:
    from batcoder.world.program import argument_types

    match = _RUBY_DEF.search(code)
    if not match:
        raise NotExercisable("ruby: no method definition")
    name = match.group(1)
    parameters = [p.strip() for p in (match.group(2) if match.group(2) is not None else match.group(3)).split(",") if p.strip()]
    world_types = argument_types(code, "ruby")  # a world program: its generator's types
    if world_types is not None and len(world_types) == len(parameters):
        return Signature(name, tuple(world_types))
    body = code[match.end():]
    types = []
    for parameter in parameters:
        if not re.fullmatch(r"[a-z_]\w*", parameter):
            raise NotExercisable("ruby: default, splat or keyword parameters")
        type_name = _ruby_parameter_type(parameter, body)
        if type_name is None:
            raise NotExercisable("ruby: cannot infer a parameter's type from its use")
        types.append(type_name)
    return Signature(name, tuple(types))


_SIGNATURES = {"python": _python_signature, "go": _go_signature, "ruby": _ruby_signature}


def signature(code: str, language: str) -> Signature:
    """The reference's entry function and its parameter types, or :class:`NotExercisable`."""
    reader = _SIGNATURES.get(language)
    if reader is None:
        raise NotExercisable(f"{language}: no execution support")
    return reader(code)


def inputs_for(code: str, types: tuple[str, ...], examples: tuple[tuple, ...] = ()) -> list[tuple]:
    """The inputs a reference is exercised on: its documentation's examples first, then generated
    ones (seeded by its code: the same every time)."""
    from batcoder.world.values import random_inputs

    rng = random.Random(hashlib.sha256(code.encode("utf-8", "replace")).hexdigest())
    chosen: list[tuple] = []
    for example in examples:
        if example not in chosen and len(chosen) < INPUTS:
            chosen.append(example)
    for generated in random_inputs(list(types), rng, INPUTS):
        if len(chosen) >= INPUTS:
            break
        if generated not in chosen:
            chosen.append(generated)
    return chosen


# ---------------------------------------------------------------------------------------------
# Drivers. Python and Ruby run many functions (each with its own inputs) in one program, each in a
# forked child (its own namespace, CPU limit and crash; its own prints go to /dev/null), printing
# ``prefix [function, "ok <output>" | "error <kind>"]`` per input and ``prefix [function, "done"]``
# once it ended; Go compiles one function per program.

CPU_LIMIT_S = 5  # per function (forked child), on top of the run's wall-clock limit
MAX_BATCH = 64  # functions per run


def _python_driver(jobs: list[tuple[str, str, list]], prefix: str) -> str:
    return f"""import __future__ as _batcoder_future, json as _batcoder_json, os as _batcoder_os, resource as _batcoder_resource
def _batcoder_normal(value):
    # Equal results print equally: floats to 9 significant digits, dicts and sets in sorted order.
    if isinstance(value, float):
        return float(f"{{value:.9g}}")
    if isinstance(value, (list, tuple)):
        return type(value)(_batcoder_normal(item) for item in value)
    if isinstance(value, dict):
        return sorted(((repr(k), _batcoder_normal(v)) for k, v in value.items()))
    if isinstance(value, (set, frozenset)):
        return ("set", sorted(repr(_batcoder_normal(item)) for item in value))
    return value
def _batcoder_emit(fd, index, text):
    _batcoder_os.write(fd, ({prefix!r} + _batcoder_json.dumps([index, text]) + "\\n").encode())
for _batcoder_index, (_batcoder_source, _batcoder_name, _batcoder_inputs) in enumerate(_batcoder_json.loads({json.dumps(jobs)!r})):
    _batcoder_pid = _batcoder_os.fork()
    if _batcoder_pid == 0:
        try:
            _batcoder_out = _batcoder_os.dup(1)
            _batcoder_os.dup2(_batcoder_os.open(_batcoder_os.devnull, _batcoder_os.O_WRONLY), 1)
            _batcoder_hard = _batcoder_resource.getrlimit(_batcoder_resource.RLIMIT_CPU)[1]
            _batcoder_soft = {CPU_LIMIT_S} if _batcoder_hard == _batcoder_resource.RLIM_INFINITY else min({CPU_LIMIT_S}, _batcoder_hard)
            _batcoder_resource.setrlimit(_batcoder_resource.RLIMIT_CPU, (_batcoder_soft, _batcoder_hard))
            _batcoder_namespace = {{}}
            # Annotations stay unevaluated: a signature naming List without importing it still runs.
            exec(compile(_batcoder_source, "<function>", "exec", _batcoder_future.annotations.compiler_flag), _batcoder_namespace)
            _batcoder_function = _batcoder_namespace[_batcoder_name]
            for _batcoder_arguments in _batcoder_inputs:
                try:
                    _batcoder_result = "ok " + repr(_batcoder_normal(_batcoder_function(*_batcoder_arguments)))
                except Exception as _batcoder_error:
                    _batcoder_result = "error " + type(_batcoder_error).__name__
                _batcoder_emit(_batcoder_out, _batcoder_index, _batcoder_result)
        except BaseException:
            pass
        finally:
            _batcoder_os._exit(0)
    _batcoder_os.waitpid(_batcoder_pid, 0)
    _batcoder_emit(1, _batcoder_index, "done")
"""


def _ruby_driver(jobs: list[tuple[str, str, list]], prefix: str) -> str:
    return f"""require 'json'
JSON.parse({json.dumps(json.dumps(jobs))}).each_with_index do |(batcoder_source, batcoder_name, batcoder_inputs), batcoder_index|
  batcoder_pid = fork do
    begin
      batcoder_out = STDOUT.dup
      STDOUT.reopen(File::NULL)
      batcoder_hard = Process.getrlimit(:CPU)[1]
      Process.setrlimit(:CPU, batcoder_hard == Process::RLIM_INFINITY ? {CPU_LIMIT_S} : [{CPU_LIMIT_S}, batcoder_hard].min, batcoder_hard)
      batcoder_module = Module.new
      batcoder_module.module_eval(batcoder_source)
      batcoder_method = batcoder_module.instance_method(batcoder_name).bind(Object.new.extend(batcoder_module))
      batcoder_inputs.each do |batcoder_arguments|
        batcoder_result = begin
          "ok " + batcoder_method.call(*batcoder_arguments).inspect
        rescue StandardError, SystemStackError => batcoder_error
          "error " + batcoder_error.class.name
        end
        batcoder_out.syswrite({json.dumps(prefix)} + JSON.generate([batcoder_index, batcoder_result]) + "\\n")
      end
    rescue Exception
    end
    exit!(0)
  end
  Process.wait(batcoder_pid)
  STDOUT.syswrite({json.dumps(prefix)} + JSON.generate([batcoder_index, "done"]) + "\\n")
end
"""


_GO_IMPORTS = re.compile(r'^import\s*(?:\(\s*([^)]*)\)|("[^"]+"))', re.M)
_GO_KNOWN_PACKAGES = ("strings", "sort", "strconv", "math", "unicode", "bytes")


def _go_driver(jobs: list[tuple[str, str, list]], types: tuple[str, ...], prefix: str) -> str:
    from batcoder.world.values import literal

    ((code, name, inputs),) = jobs
    imported = set()
    for block, single in _GO_IMPORTS.findall(code):
        imported.update(re.findall(r'"([^"]+)"', block or single))
    body = _GO_IMPORTS.sub("", re.sub(r"^package\s+\w+\s*$", "", code, flags=re.M))
    packages = {p for p in imported | set(_GO_KNOWN_PACKAGES) if re.search(rf"\b{re.escape(p.split('/')[-1])}\.", body)}
    packages |= {"fmt", "testing"}
    calls = "".join(
        f"\tbatcoderRun(func() interface{{}} {{ return {name}({', '.join(literal(a, 'go', t) for a, t in zip(arguments, types))}) }})\n"
        for arguments in inputs
    )
    imports = "".join(f'\t"{p}"\n' for p in sorted(packages))
    return f"""package batcoder_exec_test

import (
{imports})

{body}

func batcoderRun(call func() interface{{}}) {{
	result := "error panic"
	func() {{
		defer func() {{ recover() }}()
		result = "ok " + fmt.Sprintf("%v", call())
	}}()
	fmt.Printf("%s[0, %q]\\n", {json.dumps(prefix)}, result)
}}

func TestBatcoderExec(t *testing.T) {{
{calls}	fmt.Printf("%s[0, \\"done\\"]\\n", {json.dumps(prefix)})
}}
"""


def _driver(jobs: list[tuple[str, str, list]], language: str, types: tuple[str, ...], prefix: str) -> str:
    """The program that runs each job's function (code, entry name, inputs) on its inputs; ``prefix``
    is random per run, so a function cannot print results of its own."""
    if language == "python":
        return _python_driver(jobs, prefix)
    if language == "ruby":
        return _ruby_driver(jobs, prefix)
    return _go_driver(jobs, types, prefix)


# ---------------------------------------------------------------------------------------------
# Running


_pool = None
_pool_lock = threading.Lock()
_cache: OrderedDict = OrderedDict()


def _sandbox():
    global _pool
    with _pool_lock:
        if _pool is None:
            from batcoder.sandbox import Limits, SandboxPool

            _pool = SandboxPool(1, limits=Limits(timeout_s=max(TIMEOUT_S.values()), memory_mb=1024))
            atexit.register(_pool.close)
        return _pool


@dataclass(frozen=True)
class Job:
    """One function to run on a reference's inputs."""

    code: str
    name: str  # the entry function
    inputs: tuple  # argument tuples
    types: tuple[str, ...]  # their types (Go writes typed literals)

    @property
    def key(self) -> str:
        return hashlib.sha256(json.dumps([self.code, self.name, self.inputs]).encode("utf-8", "replace")).hexdigest()


def _run_batch(jobs: list[Job], language: str) -> list[list[str | None] | None]:
    """One sandbox run of ``jobs``; an entry is ``None`` for a job the run never finished (the run
    died or timed out during or before it)."""
    prefix = f"batcoder-exec-{secrets.token_hex(8)} "
    program = _driver([(job.code, job.name, list(job.inputs)) for job in jobs], language, jobs[0].types, prefix)
    result = _sandbox().run(program, language, timeout_s=TIMEOUT_S[language] + 0.5 * len(jobs))
    printed: dict[int, list[str | None]] = {}
    finished: set[int] = set()
    for line in result.stdout.splitlines():
        if not line.startswith(prefix):
            continue
        try:
            index, text = json.loads(line[len(prefix):])
        except (ValueError, TypeError):
            continue
        if text == "done":
            finished.add(index)
        else:
            printed.setdefault(index, []).append(text[3:] if text.startswith("ok ") else None)

    def padded(index: int) -> list[str | None]:
        return (printed.get(index, []) + [None] * len(jobs[index].inputs))[: len(jobs[index].inputs)]

    outputs: list[list[str | None] | None] = [padded(i) if i in finished else None for i in range(len(jobs))]
    first_unfinished = next((i for i, out in enumerate(outputs) if out is None), None)
    if first_unfinished is not None:  # the job the run died in: what it printed, the rest failed
        outputs[first_unfinished] = padded(first_unfinished)
    return outputs


def run_jobs(jobs: list[Job], language: str) -> list[list[str | None]]:
    """For each job: each input's printed output (``None`` where the function failed on it), cached.
    Python and Ruby share sandbox runs (up to MAX_BATCH functions each; a function that takes the run
    down costs a rerun of the ones after it); Go compiles each function in its own run."""
    pending = list({job.key: job for job in jobs if job.key not in _cache}.values())
    while pending:
        batch = pending[:1] if language == "go" else pending[:MAX_BATCH]
        for job, outputs in zip(batch, _run_batch(batch, language)):
            if outputs is not None:
                _cache[job.key] = outputs
        pending = [job for job in pending if job.key not in _cache]
    results = [_cache[job.key] for job in jobs]
    while len(_cache) > CACHE_SIZE:
        _cache.popitem(last=False)
    return results


def _entry_name(candidate: str, language: str, wanted: str) -> str | None:
    from batcoder.languages import get_language

    names = [f.name for f in get_language(language).functions(candidate) if not f.nested]
    return wanted if wanted in names else (names[0] if names else None)


@dataclass(frozen=True)
class Comparison:
    exercised: int  # inputs on which the reference ran
    equal: int  # of those, inputs on which the candidate returned the same
    reason: str | None = None  # why the reference could not be exercised (then exercised == 0)


def _compare_groups(groups: list[tuple[str, list[str]]], language: str) -> list[list[Comparison]]:
    """For each (reference, candidates) of ``language``: one comparison per candidate. All their
    functions run in as few sandbox runs as possible."""
    plans, jobs = [], []
    for reference, candidates in groups:
        try:
            sig = signature(reference, language)
        except NotExercisable as error:
            plans.append(str(error))
            continue
        inputs = tuple(inputs_for(reference, sig.types, sig.examples))
        names = [_entry_name(candidate, language, sig.name) for candidate in candidates]
        group_jobs = [Job(reference, sig.name, inputs, sig.types)] + [
            Job(candidate, name, inputs, sig.types) for candidate, name in zip(candidates, names) if name is not None
        ]
        plans.append((len(jobs), names, len(inputs)))
        jobs += group_jobs
    outputs = run_jobs(jobs, language) if jobs else []
    comparisons = []
    for (reference, candidates), plan in zip(groups, plans):
        if isinstance(plan, str):
            comparisons.append([Comparison(0, 0, plan)] * len(candidates))
            continue
        start, names, size = plan
        expected = outputs[start]
        exercised = [i for i, output in enumerate(expected) if output is not None]
        if not exercised:
            comparisons.append([Comparison(0, 0, f"{language}: reference fails on every input")] * len(candidates))
            continue
        candidate_outputs = iter(outputs[start + 1:])
        group = []
        for name in names:  # a candidate without a function to call agrees nowhere
            got = next(candidate_outputs) if name is not None else [None] * size
            group.append(Comparison(len(exercised), sum(got[i] == expected[i] for i in exercised)))
        comparisons.append(group)
    return comparisons


def _signature_inputs(sig: Signature) -> tuple:
    """Inputs seeded by the signature alone (entry name and types), so that programs sharing a
    signature get the same inputs whatever their bodies."""
    return tuple(inputs_for(f"{sig.name}{sig.types}", sig.types, sig.examples))


def shared_behaviour(programs: list[str], language: str) -> list[list[str | None]] | str:
    """Each program's printed output per input (``None`` where it failed) on one set of inputs,
    generated from the signature of the first program whose signature can be read (its entry name
    and types seed them, so the set does not depend on which candidate that is); the reason as a
    string when no program's can."""
    for program in programs:
        try:
            sig = signature(program, language)
            break
        except NotExercisable as error:
            reason = str(error)
    else:
        return reason if programs else f"{language}: no programs"
    inputs = _signature_inputs(sig)
    names = [_entry_name(program, language, sig.name) for program in programs]
    jobs = [Job(program, name, inputs, sig.types) for program, name in zip(programs, names) if name is not None]
    outputs = iter(run_jobs(jobs, language) if jobs else [])
    return [next(outputs) if name is not None else [None] * len(inputs) for name in names]


def own_behaviour(programs: list[str], language: str, limit: int) -> list[tuple[list[tuple], list[str | None]] | str]:
    """Per program, the first ``limit`` inputs generated from its own signature (as
    :func:`shared_behaviour`'s) and its printed output on each (``None`` where it
    failed); the reason as a string for a program whose signature cannot be read."""
    plans: list[tuple | str] = []
    jobs = []
    for program in programs:
        try:
            sig = signature(program, language)
        except NotExercisable as error:
            plans.append(str(error))
            continue
        inputs = _signature_inputs(sig)[:limit]
        plans.append(inputs)
        jobs.append(Job(program, sig.name, inputs, sig.types))
    outputs = iter(run_jobs(jobs, language) if jobs else [])
    return [plan if isinstance(plan, str) else (list(plan), next(outputs)) for plan in plans]


def compare(reference: str, candidate: str, language: str) -> Comparison:
    return _compare_groups([(reference, [candidate])], language)[0][0]


def _score(reference: str, candidate: str, language: str, comparison: Comparison) -> float:
    _STATS["pairs"] += 1
    if comparison.reason is not None:
        _STATS["not_exercisable"] += 1
        if not _REASONS[comparison.reason]:
            logging.getLogger(__name__).warning(
                "exec: a reference is not exercisable (%s); scored with %s instead (first of its kind here; "
                "counts in batcoder.similarity.metrics.exec.stats())", comparison.reason, FALLBACK_METRIC)
        _REASONS[comparison.reason] += 1
        from batcoder.similarity import similarity

        return similarity(reference, candidate, language, FALLBACK_METRIC)
    _STATS["exercised"] += 1
    return comparison.equal / comparison.exercised


def score(reference: str, candidate: str, language: str) -> float:
    return _score(reference, candidate, language, compare(reference, candidate, language))


def score_many(pairs: list[tuple[str, str, str]]) -> list[float]:
    """Scores of (reference, candidate, language) pairs; all functions of one language run together."""
    groups: dict[tuple[str, str], list[int]] = {}
    for index, (reference, _, language) in enumerate(pairs):
        groups.setdefault((reference, language), []).append(index)
    scores = [0.0] * len(pairs)
    for language in dict.fromkeys(language for _, language in groups):
        keys = [key for key in groups if key[1] == language]
        comparisons = _compare_groups([(reference, [pairs[i][1] for i in groups[(reference, language)]])
                                       for reference, _ in keys], language)
        for key, group_comparisons in zip(keys, comparisons):
            for index, comparison in zip(groups[key], group_comparisons):
                scores[index] = _score(pairs[index][0], pairs[index][1], language, comparison)
    return scores


def explain(reference: str, candidate: str, language: str) -> str:
    from batcoder.similarity import similarity

    comparison = compare(reference, candidate, language)
    if comparison.reason is not None:
        fallback = similarity(reference, candidate, language, FALLBACK_METRIC)
        return f"not exercisable ({comparison.reason}); {FALLBACK_METRIC} fallback: {fallback:.6f}"
    return (f"{comparison.equal}/{comparison.exercised} generated inputs give equal outputs "
            f"(score {comparison.equal / comparison.exercised:.6f})")


METRIC = Metric(
    name="exec",
    score=score,
    symmetric=False,
    description="share of inputs (generated from the reference's signature) on which both run and agree; CSSG where not exercisable",
    explain=explain,
    score_many=score_many,
)
