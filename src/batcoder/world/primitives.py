"""The world's primitives: one step of a program, with its code in Python, Ruby and Go and the ways
its documentation may say it.

A program is a pipeline: the input (a list of integers, a string or an integer) flows through one to
four primitives, each turning the current value into the next (``takes`` -> ``gives``). Code templates
are written with a four-space indentation unit (converted per language) and these placeholders:

``{src}`` the current value's variable, ``{dst}`` the new one, ``{c}``/``{c2}`` the step's constants (a
literal or the extra parameter's name), ``{v}`` an element variable, ``{t}`` a scratch variable,
``{h}`` a local helper function (predicates rendered with a helper only).

Semantics are chosen to be identical in the three languages on the world's input domains: no
division of negatives, ``% 2`` only compared with 0, values small enough for Go's 64-bit ints,
explicit defaults where a language would return nil (``max`` of an empty list is 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

LIST, INT, STR = "list", "int", "str"
VOWELS = "aeiouAEIOU"

# Constant kinds: the values a literal may take, and (for ints) the values an extra parameter takes in tests.
CONSTANT_VALUES = {
    "amount": tuple(range(1, 10)),
    "factor": (2, 3, 4, 5),
    "threshold": tuple(range(-5, 11)),
    "count": (1, 2, 3, 4, 5),
    "default": (-1, 0, 1, 7, 9),
    "char": tuple("aeinorst"),
}
PARAMETER_VALUES = {
    "amount": tuple(range(0, 10)),
    "factor": tuple(range(0, 6)),
    "threshold": tuple(range(-5, 11)),
    "count": tuple(range(0, 7)),
}
PARAMETER_NAMES = {
    "amount": ("k", "delta", "offset", "step"),
    "factor": ("k", "factor", "scale", "times"),
    "threshold": ("limit", "threshold", "bound", "cutoff", "k"),
    "count": ("n", "k", "count", "size"),
}


@dataclass(frozen=True)
class Primitive:
    name: str
    takes: str
    gives: str
    python: str
    ruby: str
    go: str
    steps: tuple[str, ...]  # Behavior-step paraphrases ({src}, {c}, {c2})
    gerunds: tuple[str, ...]  # summary fragments ("keeping the values above {c}")
    results: tuple[str, ...]  # what the step's value is, for Returns ("the sum")
    words: tuple[str, ...]  # function-name fragments
    constants: tuple[str, ...] = ()  # kinds of {c}, {c2}
    helpers: tuple[str, ...] = ()  # helper names; non-empty: may be rendered with a local helper
    helper_python: str = ""
    helper_ruby: str = ""
    helper_go: str = ""
    family: str = ""  # two steps of one family never follow each other (sort then sort)
    grows: bool = False  # multiplies magnitudes (at most two such steps per program)
    first_only: bool = False  # only on the raw input (its output size depends on the value)
    needs: tuple[str, ...] = field(default=())  # Go packages the Go template uses
    # The skeleton name: a string primitive whose code reads the same as a list one in some language
    # (Python's len(x), x[::-1], x[:n]) shares the list primitive's, so both are held out together.
    skeleton_name: str = ""

    def code(self, language: str, helper: bool) -> str:
        if helper:
            return {"python": self.helper_python, "ruby": self.helper_ruby, "go": self.helper_go}[language]
        return {"python": self.python, "ruby": self.ruby, "go": self.go}[language]


PRIMITIVES: list[Primitive] = []

# More ways to say the steps defined below with only two Behavior phrasings (merged in by _add).
_MORE_STEPS = {
    "count_greater": ("Tally the values of {src} larger than {c}.",),
    "count_even": ("Tally how many numbers in {src} are even.",),
    "index_greater": ("Scan {src} from the front for a value above {c} and give its index (from 0), or -1 if none is found.",),
    "add": ("Raise {src} by {c}.",),
    "subtract": ("Take {c} away from {src}.",),
    "multiply": ("Compute {c} times {src}.",),
    "square": ("Raise {src} to the second power.",),
    "absolute": ("Replace {src} with its magnitude.",),
    "cap": ("Clip {src} so that it does not exceed {c}.",),
    "floor": ("Clip {src} so that it is not below {c}.",),
    "parity_shift": ("For an even {src} add {c}, for an odd one subtract {c}.",),
    "digit_sum": ("Total the digits of the magnitude of {src}.",),
    "count_up": ("Collect every integer from 0 to one less than {src}, in increasing order (none when {src} is 0 or negative).",),
    "digits": ("Turn the magnitude of {src} into the list of its decimal digits, in reading order.",),
    "upper": ("Capitalize every letter of {src}.",),
    "lower": ("Make every letter of {src} lowercase.",),
    "reverse_text": ("Read {src} from its last character to its first.",),
    "remove_vowels": ("Drop the vowels from {src}, both small and capital ones.",),
    "replace_char": ("Substitute the letter {c2} for each letter {c} of {src}.",),
    "prefix": ("Take the leading {c} characters of {src} (the whole string when it is shorter).",),
    "reverse_words": ("Reverse the order of the words of {src}, joining them with one space.",),
    "text_length": ("Find how many characters {src} has.",),
    "count_char": ("Tally the occurrences of the letter {c} in {src}.",),
    "count_vowels": ("Tally the vowels of {src}, small and capital.",),
    "count_words": ("Find the number of words in {src}, splitting on whitespace.",),
    "find_char": ("Give the index, counting from 0, where the letter {c} first appears in {src}, or -1 when it never does.",),
    "word_lengths": ("Replace each word of {src} (split on whitespace) with its length.",),
    "char_codes": ("Map each character of {src} to its numeric character code.",),
}


def _add(primitive: Primitive) -> None:
    PRIMITIVES.append(replace(primitive, steps=primitive.steps + _MORE_STEPS.get(primitive.name, ())))


# ---------------------------------------------------------------------------------------------
# list -> list: filters (a predicate on {v}, the same text in the three languages)

def _filter(name, predicate, steps, gerunds, words, helpers, constants=()):
    _add(Primitive(
        name, LIST, LIST,
        python=f"{{dst}} = [{{v}} for {{v}} in {{src}} if {predicate}]",
        ruby=f"{{dst}} = {{src}}.select {{ |{{v}}| {predicate} }}",
        go=("{dst} := []int{}\nfor _, {v} := range {src} {\n"
            f"    if {predicate} {{\n        {{dst}} = append({{dst}}, {{v}})\n    }}\n}}"),
        helper_python=f"def {{h}}({{v}}):\n    return {predicate}\n{{dst}} = [{{v}} for {{v}} in {{src}} if {{h}}({{v}})]",
        helper_ruby=f"{{h}} = lambda {{ |{{v}}| {predicate} }}\n{{dst}} = {{src}}.select {{ |{{v}}| {{h}}.call({{v}}) }}",
        helper_go=(f"{{h}} := func({{v}} int) bool {{\n    return {predicate}\n}}\n"
                   "{dst} := []int{}\nfor _, {v} := range {src} {\n"
                   "    if {h}({v}) {\n        {dst} = append({dst}, {v})\n    }\n}"),
        steps=steps, gerunds=gerunds, results=("the filtered list", "the remaining values"),
        words=words, constants=constants, helpers=helpers, family="filter",
    ))


_filter("keep_greater", "{v} > {c}",
        ("Keep only the elements of {src} that are greater than {c}.",
         "Drop every value of {src} that is not greater than {c}.",
         "Select the numbers in {src} that exceed {c}, in their original order.",
         "Filter {src} down to the values larger than {c}."),
        ("keeping the values above {c}", "dropping the values that do not exceed {c}"),
        ("above", "large", "big"), ("is_big", "is_large", "above"), ("threshold",))
_filter("keep_less", "{v} < {c}",
        ("Keep only the elements of {src} that are less than {c}.",
         "Remove every value of {src} that is not smaller than {c}.",
         "Select the numbers in {src} below {c}, keeping their order.",
         "Filter {src} down to the values smaller than {c}."),
        ("keeping the values below {c}", "discarding the values of at least {c}"),
        ("below", "small", "low"), ("is_small", "is_low", "below"), ("threshold",))
_filter("keep_even", "{v} % 2 == 0",
        ("Keep only the even elements of {src}.",
         "Remove the odd numbers from {src}.",
         "Select the values of {src} that are divisible by two, in order.",
         "Filter {src} down to its even numbers."),
        ("keeping the even values", "removing the odd numbers"),
        ("even", "evens"), ("is_even", "even"))
_filter("keep_odd", "{v} % 2 != 0",
        ("Keep only the odd elements of {src}.",
         "Remove the even numbers from {src}.",
         "Select the values of {src} that are not divisible by two, in order.",
         "Filter {src} down to its odd numbers."),
        ("keeping the odd values", "removing the even numbers"),
        ("odd", "odds"), ("is_odd", "odd"))
_filter("drop_value", "{v} != {c}",
        ("Remove every occurrence of {c} from {src}.",
         "Keep the elements of {src} that differ from {c}.",
         "Drop all values of {src} equal to {c}, keeping the others in order.",
         "Filter out each {c} in {src}."),
        ("removing every {c}", "dropping the occurrences of {c}"),
        ("without", "except", "drop"), ("keep", "is_other"), ("threshold",))


# list -> list: element-wise maps

def _map(name, expression, steps, gerunds, words, constants=(), grows=False, ruby_expression=None,
         python_expression=None, go_body=None):
    go_body = go_body or f"{{dst}} = append({{dst}}, {expression})"
    go_body = "\n".join("    " + line for line in go_body.splitlines())
    _add(Primitive(
        name, LIST, LIST,
        python=f"{{dst}} = [{python_expression or expression} for {{v}} in {{src}}]",
        ruby=f"{{dst}} = {{src}}.map {{ |{{v}}| {ruby_expression or expression} }}",
        go=f"{{dst}} := []int{{}}\nfor _, {{v}} := range {{src}} {{\n{go_body}\n}}",
        steps=steps, gerunds=gerunds, results=("the transformed list", "the new values"),
        words=words, constants=constants, family="map", grows=grows,
    ))


_map("add_each", "{v} + {c}",
     ("Add {c} to every element of {src}.", "Increase each value of {src} by {c}.",
      "Shift every number in {src} up by {c}."),
     ("adding {c} to each value", "shifting every number up by {c}"), ("shifted", "plus", "raised"), ("amount",))
_map("subtract_each", "{v} - {c}",
     ("Subtract {c} from every element of {src}.", "Decrease each value of {src} by {c}.",
      "Lower every number in {src} by {c}."),
     ("subtracting {c} from each value", "lowering every number by {c}"), ("lowered", "minus", "reduced"), ("amount",))
_map("multiply_each", "{v} * {c}",
     ("Multiply every element of {src} by {c}.", "Scale each value of {src} by a factor of {c}.",
      "Replace each number in {src} with {c} times itself."),
     ("multiplying each value by {c}", "scaling every number by {c}"), ("scaled", "times", "multiplied"),
     ("factor",), grows=True)
_map("square_each", "{v} * {v}",
     ("Square every element of {src}.", "Replace each value of {src} with its square.",
      "Multiply each number in {src} by itself."),
     ("squaring each value", "replacing every number with its square"), ("squares", "squared"), grows=True)
_map("abs_each", "", 
     ("Take the absolute value of every element of {src}.", "Make each value of {src} non-negative by dropping its sign.",
      "Replace each number in {src} with its magnitude."),
     ("taking absolute values", "dropping the sign of each number"), ("absolute", "magnitudes"),
     python_expression="abs({v})", ruby_expression="{v}.abs",
     go_body="if {v} < 0 {\n    {v} = -{v}\n}\n{dst} = append({dst}, {v})")
_map("cap_each", "",
     ("Replace every element of {src} that is greater than {c} with {c}.",
      "Limit each value of {src} to at most {c}.",
      "Clip the numbers in {src} so that none exceeds {c}."),
     ("capping each value at {c}", "clipping every number to at most {c}"), ("capped", "clipped", "limited"),
     ("threshold",), python_expression="min({v}, {c})", ruby_expression="[{v}, {c}].min",
     go_body="if {v} > {c} {\n    {v} = {c}\n}\n{dst} = append({dst}, {v})")


# list -> list: reordering and slicing

_add(Primitive(
    "sort_ascending", LIST, LIST,
    python="{dst} = sorted({src})", ruby="{dst} = {src}.sort",
    go="{dst} := append([]int{}, {src}...)\nsort.Ints({dst})",
    steps=("Sort {src} in ascending order.", "Arrange the values of {src} from smallest to largest.",
           "Order {src} increasingly."),
    gerunds=("sorting the values in ascending order", "ordering the numbers from smallest to largest"),
    results=("the sorted list",), words=("sorted", "ordered", "ascending"), family="order", needs=("sort",)))
_add(Primitive(
    "sort_descending", LIST, LIST,
    python="{dst} = sorted({src}, reverse=True)", ruby="{dst} = {src}.sort.reverse",
    go="{dst} := append([]int{}, {src}...)\nsort.Sort(sort.Reverse(sort.IntSlice({dst})))",
    steps=("Sort {src} in descending order.", "Arrange the values of {src} from largest to smallest.",
           "Order {src} decreasingly."),
    gerunds=("sorting the values in descending order", "ordering the numbers from largest to smallest"),
    results=("the sorted list",), words=("descending", "ranked", "largest_first"), family="order", needs=("sort",)))
_add(Primitive(
    "reverse_list", LIST, LIST,
    python="{dst} = {src}[::-1]", ruby="{dst} = {src}.reverse",
    go="{dst} := []int{}\nfor i := len({src}) - 1; i >= 0; i-- {\n    {dst} = append({dst}, {src}[i])\n}",
    steps=("Reverse the order of {src}.", "Put the elements of {src} in the opposite order.",
           "Read {src} from the last element to the first."),
    gerunds=("reversing the order", "putting the values back to front"),
    results=("the reversed list",), words=("reversed", "backwards"), family="order"))
_add(Primitive(
    "take_first", LIST, LIST,
    python="{dst} = {src}[:{c}]", ruby="{dst} = {src}.first({c})",
    go="{dst} := {src}\nif len({dst}) > {c} {\n    {dst} = {dst}[:{c}]\n}",
    steps=("Keep only the first {c} elements of {src}, or all of them if there are fewer.",
           "Truncate {src} to at most {c} values, keeping the front.",
           "Take the leading {c} numbers of {src} (the whole list when it is shorter)."),
    gerunds=("keeping the first {c} values", "truncating to at most {c} elements"),
    results=("the leading values", "the shortened list"), words=("head", "first", "prefix"), constants=("count",),
    family="slice"))
_add(Primitive(
    "drop_first", LIST, LIST,
    python="{dst} = {src}[{c}:]", ruby="{dst} = {src}.drop({c})",
    go="{dst} := []int{}\nif len({src}) > {c} {\n    {dst} = {src}[{c}:]\n}",
    steps=("Skip the first {c} elements of {src} and keep the rest (nothing if there are not more).",
           "Remove the leading {c} values of {src}.",
           "Drop {c} numbers from the front of {src}, leaving an empty list when it is too short."),
    gerunds=("skipping the first {c} values", "removing {c} elements from the front"),
    results=("the remaining values", "the tail of the list"), words=("tail", "rest", "skip"), constants=("count",),
    family="slice"))
_add(Primitive(
    "unique", LIST, LIST,
    python="{dst} = []\nfor {v} in {src}:\n    if {v} not in {dst}:\n        {dst}.append({v})",
    ruby="{dst} = {src}.uniq",
    go=("{dst} := []int{}\nfor _, {v} := range {src} {\n    {t} := false\n    for _, w := range {dst} {\n"
        "        if w == {v} {\n            {t} = true\n        }\n    }\n    if !{t} {\n"
        "        {dst} = append({dst}, {v})\n    }\n}"),
    steps=("Remove duplicates from {src}, keeping the first occurrence of each value in order.",
           "Keep each distinct value of {src} once, where it first appears.",
           "Drop repeated numbers from {src} so every value appears only once, in first-seen order."),
    gerunds=("removing duplicates", "keeping each distinct value once"),
    results=("the distinct values", "the list without duplicates"), words=("unique", "distinct", "dedup"),
    family="unique"))
_add(Primitive(
    "running_total", LIST, LIST,
    python="{dst} = []\n{t} = 0\nfor {v} in {src}:\n    {t} += {v}\n    {dst}.append({t})",
    ruby="{t} = 0\n{dst} = {src}.map { |{v}| {t} += {v} }",
    go="{dst} := []int{}\n{t} := 0\nfor _, {v} := range {src} {\n    {t} += {v}\n    {dst} = append({dst}, {t})\n}",
    steps=("Replace {src} with its running totals: the i-th value becomes the sum of the first i values.",
           "Compute the prefix sums of {src}.",
           "Build the cumulative sums of {src}, one per element."),
    gerunds=("taking running totals", "computing prefix sums"),
    results=("the running totals", "the prefix sums"), words=("cumulative", "running", "prefix_sums")))
_add(Primitive(
    "every_other", LIST, LIST,
    python="{dst} = {src}[::2]", ruby="{dst} = {src}.select.with_index { |_, i| i % 2 == 0 }",
    go="{dst} := []int{}\nfor i := 0; i < len({src}); i += 2 {\n    {dst} = append({dst}, {src}[i])\n}",
    steps=("Keep the elements of {src} at even positions (the first, third, fifth and so on).",
           "Take every second value of {src}, starting with the first one.",
           "Select the values of {src} whose index is even, counting from zero."),
    gerunds=("keeping every other value", "taking the values at even positions"),
    results=("the values at even positions",), words=("alternate", "every_other", "stride"), family="slice"))
_add(Primitive(
    "differences", LIST, LIST,
    python="{dst} = [b - a for a, b in zip({src}, {src}[1:])]",
    ruby="{dst} = {src}.each_cons(2).map { |a, b| b - a }",
    go="{dst} := []int{}\nfor i := 1; i < len({src}); i++ {\n    {dst} = append({dst}, {src}[i]-{src}[i-1])\n}",
    steps=("Replace {src} with the differences between neighbours: each later value minus the one before it.",
           "Compute the gap from each element of {src} to the next one (one fewer value than before).",
           "For each adjacent pair in {src}, record the second number minus the first."),
    gerunds=("taking differences between neighbours", "computing the gaps between adjacent values"),
    results=("the differences", "the gaps between neighbours"), words=("deltas", "gaps", "differences")))


# list -> int

def _count(name, predicate, steps, gerunds, words, helpers, constants=()):
    _add(Primitive(
        name, LIST, INT,
        python=f"{{dst}} = sum(1 for {{v}} in {{src}} if {predicate})",
        ruby=f"{{dst}} = {{src}}.count {{ |{{v}}| {predicate} }}",
        go=f"{{dst}} := 0\nfor _, {{v}} := range {{src}} {{\n    if {predicate} {{\n        {{dst}}++\n    }}\n}}",
        helper_python=f"def {{h}}({{v}}):\n    return {predicate}\n{{dst}} = sum(1 for {{v}} in {{src}} if {{h}}({{v}}))",
        helper_ruby=f"{{h}} = lambda {{ |{{v}}| {predicate} }}\n{{dst}} = {{src}}.count {{ |{{v}}| {{h}}.call({{v}}) }}",
        helper_go=(f"{{h}} := func({{v}} int) bool {{\n    return {predicate}\n}}\n"
                   "{dst} := 0\nfor _, {v} := range {src} {\n    if {h}({v}) {\n        {dst}++\n    }\n}"),
        steps=steps, gerunds=gerunds, results=("the count", "how many values qualified"), words=words,
        constants=constants, helpers=helpers, family="count"))


_count("count_greater", "{v} > {c}",
       ("Count how many elements of {src} are greater than {c}.", "Find the number of values in {src} that exceed {c}."),
       ("counting the values above {c}",), ("count_above", "num_large"), ("is_big", "above"), ("threshold",))
_count("count_even", "{v} % 2 == 0",
       ("Count the even elements of {src}.", "Find how many values in {src} are divisible by two."),
       ("counting the even values",), ("count_even", "num_even"), ("is_even",))
_add(Primitive(
    "sum", LIST, INT, python="{dst} = sum({src})", ruby="{dst} = {src}.sum",
    go="{dst} := 0\nfor _, {v} := range {src} {\n    {dst} += {v}\n}",
    steps=("Add up all the elements of {src} (an empty list sums to 0).", "Compute the sum of {src}.",
           "Total the values of {src}, starting from zero."),
    gerunds=("summing the values", "adding everything up"), results=("the sum", "the total"),
    words=("sum", "total"), family="reduce"))
_add(Primitive(
    "length", LIST, INT, python="{dst} = len({src})", ruby="{dst} = {src}.length", go="{dst} := len({src})",
    steps=("Count the elements of {src}.", "Find how many values {src} holds.", "Take the length of {src}."),
    gerunds=("counting the elements", "measuring the length"), results=("the number of elements", "the length"),
    words=("count", "size", "length"), family="reduce"))
_add(Primitive(
    "largest", LIST, INT, python="{dst} = max({src}) if {src} else 0", ruby="{dst} = {src}.max || 0",
    go="{dst} := 0\nfor i, {v} := range {src} {\n    if i == 0 || {v} > {dst} {\n        {dst} = {v}\n    }\n}",
    steps=("Find the largest element of {src}, or 0 if it is empty.",
           "Take the maximum of {src}; an empty list gives 0.",
           "Pick the biggest value in {src} (0 when there is none)."),
    gerunds=("taking the maximum", "finding the largest value"), results=("the maximum", "the largest value"),
    words=("max", "largest", "peak"), family="reduce"))
_add(Primitive(
    "smallest", LIST, INT, python="{dst} = min({src}) if {src} else 0", ruby="{dst} = {src}.min || 0",
    go="{dst} := 0\nfor i, {v} := range {src} {\n    if i == 0 || {v} < {dst} {\n        {dst} = {v}\n    }\n}",
    steps=("Find the smallest element of {src}, or 0 if it is empty.",
           "Take the minimum of {src}; an empty list gives 0.",
           "Pick the lowest value in {src} (0 when there is none)."),
    gerunds=("taking the minimum", "finding the smallest value"), results=("the minimum", "the smallest value"),
    words=("min", "smallest", "lowest"), family="reduce"))
_add(Primitive(
    "first_or", LIST, INT, python="{dst} = {src}[0] if {src} else {c}",
    ruby="{dst} = {src}.empty? ? {c} : {src}.first",
    go="{dst} := {c}\nif len({src}) > 0 {\n    {dst} = {src}[0]\n}",
    steps=("Take the first element of {src}, or {c} if it is empty.",
           "Return the value at the front of {src}; use {c} for an empty list.",
           "Pick the leading number of {src} (or {c} when there is none)."),
    gerunds=("taking the first value", "picking the front element"), results=("the first value", "the front element"),
    words=("first", "front", "head_value"), constants=("default",), family="reduce"))
_add(Primitive(
    "last_or", LIST, INT, python="{dst} = {src}[-1] if {src} else {c}",
    ruby="{dst} = {src}.empty? ? {c} : {src}.last",
    go="{dst} := {c}\nif len({src}) > 0 {\n    {dst} = {src}[len({src})-1]\n}",
    steps=("Take the last element of {src}, or {c} if it is empty.",
           "Return the value at the end of {src}; use {c} for an empty list.",
           "Pick the final number of {src} (or {c} when there is none)."),
    gerunds=("taking the last value", "picking the final element"), results=("the last value", "the final element"),
    words=("last", "final", "tail_value"), constants=("default",), family="reduce"))
_add(Primitive(
    "index_greater", LIST, INT,
    python="{dst} = -1\nfor i, {v} in enumerate({src}):\n    if {v} > {c}:\n        {dst} = i\n        break",
    ruby="{dst} = {src}.index { |{v}| {v} > {c} } || -1",
    go="{dst} := -1\nfor i, {v} := range {src} {\n    if {v} > {c} {\n        {dst} = i\n        break\n    }\n}",
    steps=("Find the position (counting from 0) of the first element of {src} greater than {c}, or -1 if there is none.",
           "Locate the earliest value of {src} that exceeds {c} and take its zero-based index; -1 when no value does."),
    gerunds=("locating the first value above {c}",), results=("the index", "the position found"),
    words=("index_above", "position", "find_above"), constants=("threshold",), family="reduce"))


# int -> int

def _arith(name, python, ruby, go, steps, gerunds, words, constants=(), grows=False, family="arith"):
    _add(Primitive(name, INT, INT, python=python, ruby=ruby, go=go, steps=steps, gerunds=gerunds,
                   results=("the resulting number", "the new value"), words=words, constants=constants,
                   grows=grows, family=family))


_arith("add", "{dst} = {src} + {c}", "{dst} = {src} + {c}", "{dst} := {src} + {c}",
       ("Add {c} to {src}.", "Increase {src} by {c}."), ("adding {c}",), ("plus", "add", "increment"), ("amount",))
_arith("subtract", "{dst} = {src} - {c}", "{dst} = {src} - {c}", "{dst} := {src} - {c}",
       ("Subtract {c} from {src}.", "Decrease {src} by {c}."), ("subtracting {c}",), ("minus", "sub", "decrement"),
       ("amount",))
_arith("multiply", "{dst} = {src} * {c}", "{dst} = {src} * {c}", "{dst} := {src} * {c}",
       ("Multiply {src} by {c}.", "Scale {src} by a factor of {c}."), ("multiplying by {c}",),
       ("times", "scale", "mul"), ("factor",), grows=True)
_arith("square", "{dst} = {src} * {src}", "{dst} = {src} * {src}", "{dst} := {src} * {src}",
       ("Square {src}.", "Multiply {src} by itself."), ("squaring",), ("square", "squared"), grows=True)
_arith("absolute", "{dst} = abs({src})", "{dst} = {src}.abs", "{dst} := {src}\nif {dst} < 0 {\n    {dst} = -{dst}\n}",
       ("Take the absolute value of {src}.", "Drop the sign of {src} so it is not negative."),
       ("taking the absolute value",), ("abs", "magnitude"), family="sign")
_arith("cap", "{dst} = {src}\nif {dst} > {c}:\n    {dst} = {c}", "{dst} = {src}\n{dst} = {c} if {dst} > {c}",
       "{dst} := {src}\nif {dst} > {c} {\n    {dst} = {c}\n}",
       ("If {src} is greater than {c}, use {c} instead.", "Limit {src} to at most {c}."),
       ("capping at {c}",), ("capped", "at_most", "clamp_high"), ("threshold",), family="clamp")
_arith("floor", "{dst} = {src}\nif {dst} < {c}:\n    {dst} = {c}", "{dst} = {src}\n{dst} = {c} if {dst} < {c}",
       "{dst} := {src}\nif {dst} < {c} {\n    {dst} = {c}\n}",
       ("If {src} is less than {c}, use {c} instead.", "Raise {src} to at least {c}."),
       ("raising to at least {c}",), ("at_least", "floored", "clamp_low"), ("threshold",), family="clamp")
_arith("parity_shift",
       "if {src} % 2 == 0:\n    {dst} = {src} + {c}\nelse:\n    {dst} = {src} - {c}",
       "if {src} % 2 == 0\n    {dst} = {src} + {c}\nelse\n    {dst} = {src} - {c}\nend",
       "{dst} := {src} - {c}\nif {src} % 2 == 0 {\n    {dst} = {src} + {c}\n}",
       ("If {src} is even, add {c} to it; otherwise subtract {c}.",
        "Add {c} to {src} when it is even, and take {c} away when it is odd."),
       ("shifting by {c} up or down depending on parity",), ("parity", "even_odd", "zigzag"), ("amount",))
_arith("digit_sum", "{dst} = sum(int(d) for d in str(abs({src})))", "{dst} = {src}.abs.digits.sum",
       "{t} := {src}\nif {t} < 0 {\n    {t} = -{t}\n}\n{dst} := 0\nfor {t} > 0 {\n    {dst} += {t} % 10\n    {t} /= 10\n}",
       ("Add up the decimal digits of {src}, ignoring its sign.", "Compute the sum of the digits of {src} (sign dropped)."),
       ("summing the digits",), ("digit_sum", "digits_total"), family="digits")


# int -> list (only on the raw input: the length depends on the value)

_add(Primitive(
    "count_up", INT, LIST, python="{dst} = list(range({src}))", ruby="{dst} = (0...{src}).to_a",
    go="{dst} := []int{}\nfor i := 0; i < {src}; i++ {\n    {dst} = append({dst}, i)\n}",
    steps=("Build the list of integers from 0 up to but not including {src} (empty if {src} is not positive).",
           "List the numbers 0, 1, 2 and so on, stopping before {src}."),
    gerunds=("listing the numbers below it",), results=("the list of numbers",), words=("upto", "range", "numbers_below"),
    first_only=True))
_add(Primitive(
    "digits", INT, LIST, python="{dst} = [int(d) for d in str(abs({src}))]", ruby="{dst} = {src}.abs.digits.reverse",
    go=("{t} := {src}\nif {t} < 0 {\n    {t} = -{t}\n}\n{dst} := []int{}\nfor {\n"
        "    {dst} = append([]int{{t} % 10}, {dst}...)\n    {t} /= 10\n    if {t} == 0 {\n        break\n    }\n}"),
    steps=("Split {src}, sign dropped, into its decimal digits, most significant first.",
           "List the digits of {src} ignoring its sign, from left to right."),
    gerunds=("splitting it into digits",), results=("the digits",), words=("digits", "digit_list"),
    first_only=True, family="digits"))


# str -> str

def _text(name, python, ruby, go, steps, gerunds, words, constants=(), family="", needs=(), skeleton_name=""):
    _add(Primitive(name, STR, STR, python=python, ruby=ruby, go=go, steps=steps, gerunds=gerunds,
                   results=("the resulting string", "the new text"), words=words, constants=constants,
                   family=family, needs=needs, skeleton_name=skeleton_name))


_text("upper", "{dst} = {src}.upper()", "{dst} = {src}.upcase", "{dst} := strings.ToUpper({src})",
      ("Convert {src} to upper case.", "Turn every letter of {src} into a capital letter."),
      ("upper-casing it",), ("upper", "shout", "caps"), family="case", needs=("strings",))
_text("lower", "{dst} = {src}.lower()", "{dst} = {src}.downcase", "{dst} := strings.ToLower({src})",
      ("Convert {src} to lower case.", "Turn every capital letter of {src} into a small letter."),
      ("lower-casing it",), ("lower", "quiet", "small"), family="case", needs=("strings",))
_text("reverse_text", "{dst} = {src}[::-1]", "{dst} = {src}.reverse",
      "{t} := []byte({src})\nfor i, j := 0, len({t})-1; i < j; i, j = i+1, j-1 {\n    {t}[i], {t}[j] = {t}[j], {t}[i]\n}\n{dst} := string({t})",
      ("Reverse the characters of {src}.", "Write {src} backwards, last character first."),
      ("reversing it",), ("mirror", "backwards", "reversed"), family="order", skeleton_name="reverse_list")
_text("remove_vowels", "{dst} = \"\".join(ch for ch in {src} if ch not in \"aeiouAEIOU\")",
      "{dst} = {src}.delete(\"aeiouAEIOU\")",
      "{dst} := \"\"\nfor _, ch := range {src} {\n    if !strings.ContainsRune(\"aeiouAEIOU\", ch) {\n        {dst} += string(ch)\n    }\n}",
      ("Remove every vowel (a, e, i, o, u in either case) from {src}.",
       "Delete the vowels of {src}, upper and lower case alike."),
      ("removing the vowels",), ("consonants", "no_vowels", "strip_vowels"), family="delete", needs=("strings",))
_text("replace_char", "{dst} = {src}.replace({c}, {c2})", "{dst} = {src}.gsub({c}, {c2})",
      "{dst} := strings.ReplaceAll({src}, {c}, {c2})",
      ("Replace every letter {c} in {src} with the letter {c2}.", "Change each {c} of {src} into {c2}."),
      ("swapping the letter {c} for {c2}",), ("swap_letter", "replace", "substitute"), ("char", "char"),
      needs=("strings",))
_text("prefix", "{dst} = {src}[:{c}]", "{dst} = {src}[0, {c}]",
      "{dst} := {src}\nif len({dst}) > {c} {\n    {dst} = {dst}[:{c}]\n}",
      ("Keep only the first {c} characters of {src} (all of it if it is shorter).",
       "Cut {src} down to at most {c} characters from the start."),
      ("keeping its first {c} characters",), ("prefix", "head", "truncated"), ("count",), family="slice",
      skeleton_name="take_first")
_text("reverse_words", "{dst} = \" \".join({src}.split()[::-1])", "{dst} = {src}.split.reverse.join(\" \")",
      "{t} := strings.Fields({src})\nfor i, j := 0, len({t})-1; i < j; i, j = i+1, j-1 {\n    {t}[i], {t}[j] = {t}[j], {t}[i]\n}\n{dst} := strings.Join({t}, \" \")",
      ("Split {src} into words separated by whitespace and join them in reverse order with single spaces.",
       "Put the words of {src} in the opposite order, separated by one space each."),
      ("reversing the word order",), ("flip_words", "words_reversed"), family="words", needs=("strings",))


# str -> int, str -> list

def _measure(name, gives, python, ruby, go, steps, gerunds, results, words, constants=(), family="", needs=(),
             skeleton_name=""):
    _add(Primitive(name, STR, gives, python=python, ruby=ruby, go=go, steps=steps, gerunds=gerunds,
                   results=results, words=words, constants=constants, family=family, needs=needs,
                   skeleton_name=skeleton_name))


_measure("text_length", INT, "{dst} = len({src})", "{dst} = {src}.length", "{dst} := len({src})",
         ("Count the characters of {src}, spaces included.", "Take the length of {src} in characters."),
         ("measuring its length",), ("the number of characters", "the length"), ("length", "char_count"),
         skeleton_name="length")
_measure("count_char", INT, "{dst} = {src}.count({c})", "{dst} = {src}.count({c})",
         "{dst} := strings.Count({src}, {c})",
         ("Count how many times the letter {c} occurs in {src}.", "Find the number of {c} characters in {src}."),
         ("counting the letter {c}",), ("the number of occurrences", "the count"), ("letter_count", "occurrences"),
         ("char",), needs=("strings",))
_measure("count_vowels", INT, "{dst} = sum(1 for ch in {src} if ch in \"aeiouAEIOU\")",
         "{dst} = {src}.chars.count { |ch| \"aeiouAEIOU\".include?(ch) }",
         "{dst} := 0\nfor _, ch := range {src} {\n    if strings.ContainsRune(\"aeiouAEIOU\", ch) {\n        {dst}++\n    }\n}",
         ("Count the vowels (a, e, i, o, u in either case) in {src}.", "Find how many characters of {src} are vowels, ignoring case."),
         ("counting the vowels",), ("the number of vowels",), ("vowel_count", "vowels"), needs=("strings",))
_measure("count_words", INT, "{dst} = len({src}.split())", "{dst} = {src}.split.length",
         "{dst} := len(strings.Fields({src}))",
         ("Count the words of {src}, where words are separated by whitespace.", "Find how many whitespace-separated words {src} contains."),
         ("counting the words",), ("the number of words", "the word count"), ("word_count", "words"),
         family="words", needs=("strings",))
_measure("find_char", INT, "{dst} = {src}.find({c})", "{dst} = {src}.index({c}) || -1",
         "{dst} := strings.Index({src}, {c})",
         ("Find the zero-based position of the first letter {c} in {src}, or -1 if it does not occur.",
          "Locate the earliest {c} in {src} and take its index counted from 0; -1 when there is none."),
         ("locating the first letter {c}",), ("the position", "the index"), ("find_letter", "position_of"),
         ("char",), needs=("strings",))
_measure("word_lengths", LIST, "{dst} = [len(w) for w in {src}.split()]", "{dst} = {src}.split.map { |w| w.length }",
         "{dst} := []int{}\nfor _, w := range strings.Fields({src}) {\n    {dst} = append({dst}, len(w))\n}",
         ("List the length of each whitespace-separated word of {src}, in order.",
          "Split {src} into words and replace each word by its number of characters."),
         ("measuring each word",), ("the word lengths",), ("word_lengths", "word_sizes"), family="words",
         needs=("strings",))
_measure("char_codes", LIST, "{dst} = [ord(ch) for ch in {src}]", "{dst} = {src}.chars.map { |ch| ch.ord }",
         "{dst} := []int{}\nfor _, ch := range {src} {\n    {dst} = append({dst}, int(ch))\n}",
         ("List the character code of every character of {src}, spaces included, in order.",
          "Turn {src} into the list of the numeric codes of its characters."),
         ("turning its characters into codes",), ("the character codes",), ("codes", "ordinals"))



BY_NAME: dict[str, Primitive] = {primitive.name: primitive for primitive in PRIMITIVES}
