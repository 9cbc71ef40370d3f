"""Documentation that leaks the source code, in many disguises, is rejected (score 0, a leak reason);
honest documentation of the same functions keeps its score."""

import json
from dataclasses import replace

import pytest

from batcoder.docfilter import DocFilterConfig, check
from batcoder.prompts import render_doc

PY_TOTAL = '''def total_price(items, tax_rate=0.0):
    """Sum the prices of the items, with tax."""
    total = 0
    for item in items:
        if item.price > 0:
            total += item.price * item.quantity
    return total * (1 + tax_rate)
'''
PY_TOTAL_DOC = render_doc(
    "Compute the total price of a list of items, including tax.",
    [
        "Start with a total of zero.",
        "For each item with a positive price, add its price times its quantity to the total.",
        "Multiply the total by one plus `tax_rate` and return it.",
    ],
    [("items", "the items to price; each has a `price` and a `quantity`"), ("tax_rate", "the tax rate, 0 by default")],
    "the total price including tax",
)

RB_WORDS = '''def word_counts(text, limit = 10)
  counts = Hash.new(0)
  text.downcase.split(/\\W+/).each do |word|
    next if word.empty?
    counts[word] += 1
  end
  counts.sort_by { |word, count| [-count, word] }.first(limit)
end
'''
RB_WORDS_DOC = render_doc(
    "Count how often each word occurs in a text and list the most frequent ones.",
    [
        "Lower-case the text and split it into words at every run of non-word characters.",
        "Skip empty words and count each remaining word in a hash that starts every count at 0.",
        "Sort the words by descending count, breaking ties alphabetically.",
        "Return the first `limit` pairs of word and count.",
    ],
    [("text", "the text to analyse"), ("limit", "how many words to return (10 by default)")],
    "an array of [word, count] pairs, most frequent first",
)

GO_REVERSE = '''func ReverseWords(s string) string {
	words := strings.Fields(s)
	for i, j := 0, len(words)-1; i < j; i, j = i+1, j-1 {
		words[i], words[j] = words[j], words[i]
	}
	return strings.Join(words, " ")
}
'''
GO_REVERSE_DOC = render_doc(
    "ReverseWords returns the words of a string in reverse order.",
    [
        "Split the string into words on white space.",
        "Swap the first and last words, then move both positions inwards until they meet.",
        "Join the words back together with single spaces and return the result.",
    ],
    [("s", "the string whose words are reversed")],
    "the words of `s` in reverse order, separated by one space",
)

JS_GROUP = '''function groupBy(items, keyFn) {
  const groups = {};
  for (const item of items) {
    const key = keyFn(item);
    if (!groups[key]) {
      groups[key] = [];
    }
    groups[key].push(item);
  }
  return groups;
}
'''
JS_GROUP_DOC = render_doc(
    "Group the elements of an array by a key computed for each element.",
    [
        "Start with an empty object of groups.",
        "For every item, call `keyFn(item)` to get its key.",
        "Create an empty list for the key the first time it is seen.",
        "Append the item to the list of its key.",
        "Return the object of groups.",
    ],
    [("items", "the array to group"), ("keyFn", "a function that returns the group key of an item")],
    "an object mapping each key to the items that have it, in their original order",
)

SAMPLES = {
    "python": (PY_TOTAL, PY_TOTAL_DOC),
    "ruby": (RB_WORDS, RB_WORDS_DOC),
    "go": (GO_REVERSE, GO_REVERSE_DOC),
    "javascript": (JS_GROUP, JS_GROUP_DOC),
}

HEAD = {
    "python": "Compute the total price of a list of items.\nParameters:\n- items: the items\n- tax_rate: the tax rate\nReturns: the total\n",
    "ruby": "Count the words of a text.\nParameters:\n- text: the text\n- limit: how many words\nReturns: word and count pairs\n",
    "go": "Reverse the words of a string.\nParameters:\n- s: the string\nReturns: the reversed string\n",
    "javascript": "Group items by a key.\nParameters:\n- items: the array\n- keyFn: the key function\nReturns: the groups\n",
}


def with_step(doc: str, step: str) -> str:
    """``doc`` with one more Behavior step (a partial leak inside otherwise honest documentation)."""
    count = sum(1 for line in doc.splitlines() if line[:1].isdigit())
    return f"{doc}\n{count + 1}. {step}"


LEAKS = {
    "python": {
        "copied_line": with_step(PY_TOTAL_DOC, "Finally do total += item.price * item.quantity for each item."),
        "copied_signature": "def total_price(items, tax_rate=0.0):\n" + PY_TOTAL_DOC,
        "fenced_after_prose": PY_TOTAL_DOC + "\n\nImplementation:\n```python\ntotal = 0\nfor item in items:\n    total += item.price\n```",
        "fenced_whole": "```python\n" + PY_TOTAL + "```",
        "bare_code": PY_TOTAL,
        "indented_block": PY_TOTAL_DOC + "\n\n    total = 0\n    for item in items:\n        total += item.price * item.quantity",
        "inline_backticks": HEAD["python"] + "Behavior:\n1. `total = 0`\n2. `for item in items: if item.price > 0: total += item.price * item.quantity`\n3. `return total * (1 + tax_rate)`",
        "token_run_whitespace": with_step(PY_TOTAL_DOC, "Whenever item .price>0 :total+=item. price, it moves on."),
        "spelled_out": HEAD["python"] + "Behavior:\n1. Set total to zero.\n2. For each item in items, if item dot price is greater than zero, set total to total plus item dot price times item dot quantity.\n3. Return total times open paren one plus tax_rate close paren.",
        "inline_prose": HEAD["python"] + "Behavior:\n1. Return the result of total * (1 + tax_rate) after adding item.price * item.quantity to total for each item in items where item.price > 0.",
        "partial_behavior": with_step(PY_TOTAL_DOC, "In the loop: if item.price > 0 then total += price * quantity."),
        "renamed_variables": HEAD["python"] + "Behavior:\n1. s = 0\n2. for it in xs: if it.cost > 0: s += it.cost * it.qty\n3. return s * (1 + r)",
        "renamed_spelled_out": HEAD["python"] + "Behavior:\n1. Let s be 0.\n2. For it in xs, if it cost greater than 0, s plus equals it cost times it qty.\n3. Return s times 1 plus r.",
        "json_dump": json.dumps({"summary": "Total price.", "steps": ["total = 0", "for item in items:", "if item.price > 0:", "total += item.price * item.quantity", "return total * (1 + tax_rate)"]}, indent=2),
        "pseudo_code": HEAD["python"] + "Behavior:\nBEGIN\n  total <- 0\n  FOR EACH item IN items DO\n    IF item.price > 0 THEN total <- total + item.price * item.quantity\n  END FOR\n  RETURN total * (1 + tax_rate)\nEND",
        "blockquote": with_step(PY_TOTAL_DOC, "Then:") + "\n> total = 0\n> for item in items:\n>     total += item.price * item.quantity",
        "one_line_statements": HEAD["python"] + "Behavior:\n1. total = 0; for item in items: total += item.price*item.quantity; return total*(1+tax_rate)",
    },
    "ruby": {
        "copied_line": with_step(RB_WORDS_DOC, "Then counts.sort_by { |word, count| [-count, word] }.first(limit) is returned."),
        "fenced_after_prose": RB_WORDS_DOC + "\n```ruby\ncounts = Hash.new(0)\ntext.split.each { |w| counts[w] += 1 }\n```",
        "fenced_whole": "Here is the documentation:\n```ruby\n" + RB_WORDS + "```",
        "bare_code": RB_WORDS,
        "indented_block": RB_WORDS_DOC + "\n\n    counts = Hash.new(0)\n    text.downcase.split(/\\W+/).each do |word|\n      counts[word] += 1\n    end",
        "inline_backticks": HEAD["ruby"] + "Behavior:\n1. `counts = Hash.new(0)`\n2. `text.downcase.split(/\\W+/).each { |word| counts[word] += 1 unless word.empty? }`\n3. `counts.sort_by { |w, c| [-c, w] }.first(limit)`",
        "token_run_whitespace": with_step(RB_WORDS_DOC, "It calls text . downcase . split(/\\W+/) . each  do | word |, as usual."),
        "spelled_out": HEAD["ruby"] + "Behavior:\n1. Set counts to Hash dot new of zero.\n2. For each word in text dot downcase dot split, next if word dot empty, then counts open bracket word close bracket plus equals one.\n3. Return counts dot sort_by count then word, dot first of limit.",
        "inline_prose": HEAD["ruby"] + "Behavior:\n1. Return counts.sort_by { |word, count| [-count, word] } after text.downcase.split(/\\W+/).each adds counts[word] += 1 unless word.empty?",
        "partial_behavior": with_step(RB_WORDS_DOC, "Inside the block: next if word.empty? and counts[word] += 1."),
        "renamed_variables": HEAD["ruby"] + "Behavior:\n1. h = Hash.new(0)\n2. str.downcase.split(/\\W+/).each do |w| next if w.empty?; h[w] += 1 end\n3. h.sort_by { |w, c| [-c, w] }.first(n)",
        "json_dump": json.dumps({"steps": ["counts = Hash.new(0)", "text.downcase.split(/\\W+/).each do |word|", "counts[word] += 1", "counts.sort_by { |word, count| [-count, word] }.first(limit)"]}),
    },
    "go": {
        "copied_line": with_step(GO_REVERSE_DOC, "The swap is words[i], words[j] = words[j], words[i] inside the loop."),
        "copied_signature": "func ReverseWords(s string) string {\n" + GO_REVERSE_DOC,
        "fenced_after_prose": GO_REVERSE_DOC + "\n~~~go\nwords := strings.Fields(s)\n~~~",
        "fenced_whole": "```go\n" + GO_REVERSE + "```",
        "bare_code": GO_REVERSE,
        "indented_block": GO_REVERSE_DOC + "\n\n\twords := strings.Fields(s)\n\treturn strings.Join(words, \" \")",
        "inline_backticks": HEAD["go"] + "Behavior:\n1. `words := strings.Fields(s)`\n2. `for i, j := 0, len(words)-1; i < j; i, j = i+1, j-1 { words[i], words[j] = words[j], words[i] }`\n3. `return strings.Join(words, \" \")`",
        "token_run_whitespace": with_step(GO_REVERSE_DOC, "It loops with i,j:=0,len( words )-1 ; i<j until done."),
        "spelled_out": HEAD["go"] + "Behavior:\n1. Set words to strings dot Fields of s.\n2. For i comma j from zero and len of words minus one, while i less than j, set i comma j to i plus one comma j minus one, swap words at index i and words at index j.\n3. Return strings dot Join of words and a space.",
        "partial_behavior": with_step(GO_REVERSE_DOC, "Loop: for i, j := 0, len(words)-1; i < j."),
        "renamed_variables": HEAD["go"] + "Behavior:\n1. ws := strings.Fields(str)\n2. for a, b := 0, len(ws)-1; a < b; a, b = a+1, b-1 { ws[a], ws[b] = ws[b], ws[a] }\n3. return strings.Join(ws, \" \")",
        "pseudo_code": HEAD["go"] + "Behavior:\nwords <- Fields(s)\nwhile i < j: swap(words[i], words[j]); i++; j--\nreturn Join(words, \" \")",
    },
    "javascript": {
        "copied_line": with_step(JS_GROUP_DOC, "Then it runs groups[key].push(item); for the item."),
        "copied_signature": "function groupBy(items, keyFn) {\n" + JS_GROUP_DOC,
        "fenced_after_prose": JS_GROUP_DOC + "\n```js\nconst groups = {};\n```",
        "fenced_whole": "```javascript\n" + JS_GROUP + "```",
        "bare_code": JS_GROUP,
        "comment_wrapped_code": "/**\n * " + JS_GROUP.replace("\n", "\n * ") + "\n */",
        "indented_block": JS_GROUP_DOC + "\n\n    const key = keyFn(item);\n    groups[key].push(item);",
        "inline_backticks": HEAD["javascript"] + "Behavior:\n1. `const groups = {};`\n2. `for (const item of items) { const key = keyFn(item); (groups[key] ||= []).push(item); }`\n3. `return groups;`",
        "token_run_whitespace": with_step(JS_GROUP_DOC, "Each pass does const  key=keyFn( item ) ;if( !groups[ key ]) first."),
        "spelled_out": HEAD["javascript"] + "Behavior:\n1. Set groups to an empty object.\n2. For const item of items, set key to keyFn open paren item close paren.\n3. If not groups open bracket key close bracket, set groups open bracket key close bracket to an empty array.\n4. Call groups open bracket key close bracket dot push open paren item close paren.\n5. Return groups.",
        "partial_behavior": with_step(JS_GROUP_DOC, "The check is if (!groups[key]) { groups[key] = []; }."),
        "renamed_variables": HEAD["javascript"] + "Behavior:\n1. const out = {};\n2. for (const x of arr) { const k = f(x); if (!out[k]) { out[k] = []; } out[k].push(x); }\n3. return out;",
        "json_dump": json.dumps({"groups": "{}", "loop": "for (const item of items)", "body": ["const key = keyFn(item);", "groups[key].push(item);"]}),
    },
}

# Honest documentation of small functions: it names parameters, the function, short expressions.
HONEST = [
("python", "def fetch(url, timeout=10):\n    response = requests.get(url, timeout=timeout)\n    response.raise_for_status()\n    return response.json()\n",
 "Download a JSON document over HTTP.\nParameters:\n- url: the address, e.g. https://example.com/data.json\n- timeout: seconds to wait (10 by default)\nReturns: the decoded JSON value, i.e. a dict or a list\nBehavior:\n1. Send a GET request to `url`, giving up after `timeout` seconds.\n2. Raise an error if the server answers with an error status (4xx or 5xx).\n3. Decode the body as JSON with `response.json()` and return it."),
("go", "func Index(s, substr string) int {\n\tn := len(substr)\n\tfor i := 0; i+n <= len(s); i++ {\n\t\tif s[i:i+n] == substr {\n\t\t\treturn i\n\t\t}\n\t}\n\treturn -1\n}\n",
 "Index returns the position of the first occurrence of substr in s, or -1.\nParameters:\n- s: the string to search\n- substr: the string to find\nReturns: the index of the first match, or -1 when substr does not occur in s\nBehavior:\n1. Let n be the length of substr.\n2. For every start position i from 0 while i + n is at most `len(s)`, compare the slice of s of length n at i with substr.\n3. Return i at the first match.\n4. Return -1 if no position matches."),
("python", "def last_index(items):\n    return len(items) - 1\n",
 "Return the index of the last element of a list.\nParameters:\n- items: the list\nReturns: `len(items) - 1`, the last valid index\nBehavior:\n1. Return `len(items) - 1`."),
("python", "def decrement(n):\n    return n - 1\n",
 "Decrement a number by one.\nParameters:\n- n: the number\nReturns: `n - 1`\nBehavior:\n1. Return `n - 1`."),
("python", "def decrement(n):\n    return n - 1\n",
 "decrement returns the number just below n.\nParameters:\n- n: an integer\nReturns: n - 1\nBehavior:\n1. Subtract one from n and return it."),
("python", "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
 "Compute the n-th Fibonacci number recursively.\nParameters:\n- n: the index, a non-negative integer\nReturns: the n-th Fibonacci number\nBehavior:\n1. If `n` is less than 2, return `n` itself.\n2. Otherwise return the sum of `fib(n - 1)` and `fib(n - 2)`."),
("python", "def clamp(value, low, high):\n    if value < low:\n        return low\n    if value > high:\n        return high\n    return value",
 "Limit a number to a closed range.\nParameters:\n- value: the number to limit\n- low: the lower bound\n- high: the upper bound\nReturns: the limited number\nBehavior:\n1. If value is below low, return low.\n2. If value is above high, return high.\n3. Otherwise return value unchanged."),
("python", "def is_palindrome(text):\n    cleaned = [c.lower() for c in text if c.isalnum()]\n    return cleaned == cleaned[::-1]\n",
 "Check whether a text reads the same forwards and backwards.\nParameters:\n- text: the string to check\nReturns: True if the text is a palindrome, False otherwise\nBehavior:\n1. Keep only the letters and digits of text, lower-cased.\n2. Compare the cleaned characters with their reverse.\n3. Return True when they are equal."),
("python", "def merge_dicts(a, b):\n    result = dict(a)\n    for key, value in b.items():\n        if key in result and isinstance(result[key], dict) and isinstance(value, dict):\n            result[key] = merge_dicts(result[key], value)\n        else:\n            result[key] = value\n    return result\n",
 "Merge two dictionaries recursively, with the second one winning.\nParameters:\n- a: the base dictionary\n- b: the dictionary whose values take precedence\nReturns: a new merged dictionary; neither input is modified\nBehavior:\n1. Copy `a` into a new dictionary.\n2. For each key and value in `b`, if both the existing value and the new value are dictionaries, merge them with `merge_dicts`.\n3. Otherwise store the value from `b` under the key.\n4. Return the merged dictionary."),
("ruby", "def full_name(first, last)\n  \"#{first} #{last}\".strip\nend\n",
 "Build a person's full name.\nParameters:\n- first: the first name\n- last: the last name\nReturns: the full name as a string\nBehavior:\n1. Join first and last with a space.\n2. Remove surrounding white space and return the result."),
("ruby", "def find_user(users, id)\n  return nil if users.nil? || users.empty?\n  users.find { |user| user.id == id }\nend\n",
 "Find the user with a given id.\nParameters:\n- users: the list of users, possibly nil\n- id: the id to look for\nReturns: the matching user, or nil when there is none\nBehavior:\n1. Return nil if users is nil or empty.\n2. Otherwise return the first user whose id equals `id`."),
("ruby", "def average(numbers)\n  return 0 if numbers.empty?\n  numbers.sum.to_f / numbers.size\nend\n",
 "Compute the arithmetic mean of a list of numbers.\nParameters:\n- numbers: an array of numbers\nReturns: the average as a float, or 0 for an empty array\nBehavior:\n1. If the array is empty, return 0.\n2. Otherwise divide the sum of the numbers by their count and return it."),
("go", "func Max(a, b int) int {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}\n",
 "Max returns the larger of two integers.\nParameters:\n- a: the first integer\n- b: the second integer\nReturns: the larger of a and b\nBehavior:\n1. If a is greater than b, return a.\n2. Otherwise return b."),
("go", "func Sum(values []float64) float64 {\n\ttotal := 0.0\n\tfor _, v := range values {\n\t\ttotal += v\n\t}\n\treturn total\n}\n",
 "Sum adds up a slice of floats.\nParameters:\n- values: the numbers to add\nReturns: the total of all values\nBehavior:\n1. Start with a total of 0.\n2. Add each value to the total.\n3. Return the total."),
("go", "func (s *Stack) Pop() (int, error) {\n\tif len(s.items) == 0 {\n\t\treturn 0, errors.New(\"empty stack\")\n\t}\n\ttop := s.items[len(s.items)-1]\n\ts.items = s.items[:len(s.items)-1]\n\treturn top, nil\n}\n",
 "Pop removes and returns the top element of the stack.\nParameters: none\nReturns: the top value and nil, or 0 and an error when the stack is empty\nBehavior:\n1. If the stack has no items, return 0 and an \"empty stack\" error.\n2. Take the last item as the top.\n3. Shrink the items by one element.\n4. Return the top and nil."),
("javascript", "function debounce(fn, wait) {\n  let timer = null;\n  return function (...args) {\n    clearTimeout(timer);\n    timer = setTimeout(() => fn.apply(this, args), wait);\n  };\n}\n",
 "Create a debounced version of a function.\nParameters:\n- fn: the function to debounce\n- wait: the delay in milliseconds\nReturns: a function that delays calls to fn until wait milliseconds have passed without a new call\nBehavior:\n1. Keep a timer, initially null.\n2. Return a wrapper that cancels the pending timer on every call.\n3. The wrapper then schedules fn with the same this and arguments after wait milliseconds."),
("javascript", "const capitalize = (s) => s.charAt(0).toUpperCase() + s.slice(1);\n",
 "Capitalize the first letter of a string.\nParameters:\n- s: the string\nReturns: the string with its first character in upper case\nBehavior:\n1. Upper-case the first character of s.\n2. Append the rest of the string unchanged and return it."),
("javascript", "function range(start, end, step = 1) {\n  const out = [];\n  for (let i = start; i < end; i += step) {\n    out.push(i);\n  }\n  return out;\n}\n",
 "Build an array of numbers from start up to, but not including, end.\nParameters:\n- start: the first number\n- end: the bound, excluded\n- step: the increment, 1 by default\nReturns: the array of numbers\nBehavior:\n1. Start with an empty array.\n2. Beginning at start, add each number to the array and increase it by step while it is less than end.\n3. Return the array."),
]

CASES = [(language, name, doc) for language, leaks in LEAKS.items() for name, doc in leaks.items()]


@pytest.mark.parametrize("language,name,doc", CASES, ids=[f"{language}-{name}" for language, name, _ in CASES])
def test_leaking_documentation_scores_zero(language, name, doc):
    code = SAMPLES[language][0]
    result = check(doc, code, language)
    assert result.score == 0.0, (result.reason, doc)
    assert result.reason.startswith(("leak:", "invalid:")), result.reason


@pytest.mark.parametrize(
    "language,name,reason",
    [
        ("python", "copied_line", "leak:copied_line"),
        ("python", "fenced_after_prose", "leak:fenced_code"),
        ("python", "indented_block", "leak:indented_code"),
        ("python", "token_run_whitespace", "leak:token_run"),
        ("python", "spelled_out", "leak:spelled_syntax"),
        ("python", "renamed_variables", "leak:code_syntax"),
        ("python", "renamed_spelled_out", "leak:renamed_code"),
        ("go", "fenced_after_prose", "leak:fenced_code"),
        ("go", "spelled_out", "leak:code_as_prose"),
        ("javascript", "fenced_whole", "leak:indented_code"),
    ],
)
def test_leak_reasons_name_the_disguise(language, name, reason):
    assert check(LEAKS[language][name], SAMPLES[language][0], language).reason == reason


@pytest.mark.parametrize("language", sorted(SAMPLES))
def test_honest_documentation_is_well_formed(language):
    code, doc = SAMPLES[language]
    assert check(doc, code, language) == check(doc, code, language)
    result = check(doc, code, language)
    assert (result.score, result.reason, result.doc) == (1.0, "ok", doc)


@pytest.mark.parametrize("language,code,doc", HONEST, ids=[f"{case[0]}-{case[2].split(chr(10))[0][:24]}" for case in HONEST])
def test_honest_documentation_of_small_functions_keeps_its_score(language, code, doc):
    result = check(doc, code, language)
    assert (result.score, result.reason) == (1.0, "ok")


OFF = DocFilterConfig(
    copied_line_min_tokens=10**6,
    embedded_line_min_tokens=10**6,
    max_token_run=10**6,
    max_inline_code_tokens=10**6,
    max_spelled_symbols=10**6,
    max_line_syntax=1e9,
    max_doc_syntax=1e9,
    max_alignment=1e9,
    max_abstract_alignment=1e9,
)
DEFAULTS = DocFilterConfig()
ONLY = {
    "copied_line": replace(OFF, copied_line_min_tokens=DEFAULTS.copied_line_min_tokens, embedded_line_min_tokens=DEFAULTS.embedded_line_min_tokens),
    "token_run": replace(OFF, max_token_run=DEFAULTS.max_token_run),
    "inline_code": replace(OFF, max_inline_code_tokens=DEFAULTS.max_inline_code_tokens),
    "spelled_syntax": replace(OFF, max_spelled_symbols=DEFAULTS.max_spelled_symbols),
    "code_syntax": replace(OFF, max_line_syntax=DEFAULTS.max_line_syntax, max_doc_syntax=DEFAULTS.max_doc_syntax),
    "code_as_prose": replace(OFF, max_alignment=DEFAULTS.max_alignment),
    "renamed_code": replace(OFF, max_abstract_alignment=DEFAULTS.max_abstract_alignment),
}
ALONE = [
    ("copied_line", "python", "copied_line"),
    ("copied_line", "ruby", "token_run_whitespace"),  # whitespace inside the copied line changed
    ("copied_line", "javascript", "copied_signature"),
    ("token_run", "python", "token_run_whitespace"),
    ("token_run", "go", "token_run_whitespace"),
    ("inline_code", "python", "inline_backticks"),
    ("inline_code", "ruby", "inline_backticks"),
    ("inline_code", "go", "inline_backticks"),
    ("inline_code", "javascript", "inline_backticks"),
    ("spelled_syntax", "python", "spelled_out"),
    ("spelled_syntax", "ruby", "spelled_out"),
    ("spelled_syntax", "javascript", "spelled_out"),
    ("code_syntax", "python", "inline_prose"),
    ("code_syntax", "ruby", "renamed_variables"),
    ("code_syntax", "go", "renamed_variables"),
    ("code_syntax", "javascript", "renamed_variables"),
    ("code_as_prose", "python", "spelled_out"),
    ("code_as_prose", "go", "spelled_out"),
    ("code_as_prose", "javascript", "spelled_out"),
    ("code_as_prose", "python", "one_line_statements"),
    ("code_as_prose", "ruby", "inline_prose"),
    ("code_as_prose", "go", "partial_behavior"),
    ("renamed_code", "python", "renamed_variables"),
    ("renamed_code", "python", "renamed_spelled_out"),
    ("renamed_code", "ruby", "renamed_variables"),
    ("renamed_code", "go", "renamed_variables"),
    ("renamed_code", "javascript", "renamed_variables"),
]


@pytest.mark.parametrize("detector,language,name", ALONE, ids=[f"{d}-{l}-{n}" for d, l, n in ALONE])
def test_each_detector_catches_leaks_on_its_own(detector, language, name):
    """With every other content detector switched off, the detector still rejects the leak."""
    result = check(LEAKS[language][name], SAMPLES[language][0], language, ONLY[detector])
    assert (result.score, result.reason) == (0.0, f"leak:{detector}")


@pytest.mark.parametrize("detector", sorted(ONLY))
def test_no_detector_fires_on_honest_documentation(detector):
    for language, (code, doc) in SAMPLES.items():
        assert check(doc, code, language, ONLY[detector]).reason == "ok"
    for language, code, doc in HONEST:
        assert check(doc, code, language, ONLY[detector]).reason == "ok"
