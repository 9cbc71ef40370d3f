"""Precision is not a leak: quoted literals, character sets, worked examples, value tables and quoted
options in otherwise honest documentation keep its score, and the natural layout of a capable model's
reply (a preamble, markdown headers, backticked names, a closing remark) is rewritten, not rejected.
Code written among such values is still caught.

The cases were written for these tests in the styles capable instruction-tuned models answer the
code→doc prompt with (the first three carry the issue's sentences); none comes from bench/roundtrip/.
Each is (language, code, documentation, expected score): 1.0 when the text is in the format exactly,
0.5 when the filter has to rewrite it (chatter, markdown headers) — never 0.
"""

import pytest

from batcoder.docfilter import check
from batcoder.prompts import render_doc

COUNT_NUMS = '''def count_nums(arr):
    def digits_sum(n):
        neg = 1
        if n < 0: n, neg = -1 * n, -1
        n = [int(i) for i in str(n)]
        n[0] = n[0] * neg
        return sum(n)
    return len(list(filter(lambda x: x > 0, [digits_sum(i) for i in arr])))
'''
COUNT_NUMS_DOC = """Count the integers in a list whose sum of signed digits is positive.
Parameters:
- arr: a list of integers, possibly empty
Returns: the number of elements whose signed digit sum is greater than 0
Behavior:
1. For each number, add up its decimal digits; for a negative number the first digit counts as negative.
2. For example, -123 gives -1 + 2 + 3 = 4, 11 gives 2, and -11 gives 0.
3. Count the numbers whose digit sum is strictly greater than 0 and return that count (0 for an empty list)."""

HEX_KEY = '''def hex_key(num):
    primes = ('2', '3', '5', '7', 'B', 'D')
    total = 0
    for i in range(0, len(num)):
        if num[i] in primes:
            total += 1
    return total
'''
HEX_KEY_DOC = """Here is the documentation for `hex_key`:

Count the hexadecimal digits of a string that are prime numbers.
**Parameters:**
- `num` (str): a hexadecimal number written with the digits 0-9 and the upper-case letters A-F; may be empty
**Returns:** the number of prime digits, an integer
**Behavior:**
1. Start a counter at 0.
2. Go through the string one character at a time; if it is one of the characters '2', '3', '5', '7', 'B' or 'D', add one to the counter.
3. Return the counter. For example "AB" gives 1, "1077E" gives 2 and "2020" gives 2."""

FILE_NAME_CHECK = '''def file_name_check(file_name):
    suf = ['txt', 'exe', 'dll']
    lst = file_name.split(sep='.')
    if len(lst) != 2:
        return 'No'
    if not lst[1] in suf:
        return 'No'
    if len(lst[0]) == 0:
        return 'No'
    if not lst[0][0].isalpha():
        return 'No'
    t = len([x for x in lst[0] if x.isdigit()])
    if t > 3:
        return 'No'
    return 'Yes'
'''
FILE_NAME_CHECK_DOC = """Decide whether a file name is valid.
Parameters:
- file_name: the file name to check
Returns: the string 'Yes' if the name is valid, otherwise 'No'
Behavior:
1. Split the name at every dot; if it does not have exactly one dot (two parts), return 'No'.
2. If the part after the dot is not exactly 'txt', 'exe' or 'dll' (case-sensitive), return 'No'.
3. If the part before the dot is empty, or its first character is not a letter (a-z or A-Z), return 'No'.
4. Count the digits ('0'-'9') in the part before the dot; if there are more than three, return 'No'.
5. Otherwise return 'Yes'."""

CORRECT_BRACKETING = '''def correct_bracketing(brackets: str):
    depth = 0
    for b in brackets:
        if b == "(":
            depth += 1
        else:
            depth -= 1
        if depth < 0:
            return False
    return depth == 0
'''
CORRECT_BRACKETING_DOC = """### Summary
Check that every opening bracket in a string of brackets has a matching closing bracket.

### Parameters
- `brackets`: a string made only of the characters "(" and ")"

### Returns
`True` if the brackets are balanced, `False` otherwise.

### Behavior
1. Keep a depth counter that starts at 0.
2. For each character: an opening bracket "(" increases the depth by 1; any other character (a closing bracket ")") decreases it by 1.
3. If the depth ever drops below 0, a closing bracket came before its opening bracket: return `False` immediately.
4. After the last character, return `True` exactly when the depth is back to 0, so "(()())" is balanced and ")(()" or "(()" are not."""

VOWELS_COUNT = '''def vowels_count(s):
    vowels = "aeiouAEIOU"
    n_vowels = sum(c in vowels for c in s)
    if s[-1] == 'y' or s[-1] == 'Y':
        n_vowels += 1
    return n_vowels
'''
VOWELS_COUNT_DOC = """Sure! Here's the documentation:

Count the vowels in a word, where 'y' counts only at the end.
Parameters:
- s: the word, a non-empty string
Returns: the number of vowels as an integer
Behavior:
1. Count the characters of `s` that are one of 'a', 'e', 'i', 'o', 'u' in either case ("aeiouAEIOU").
2. If the last character is 'y' or 'Y', add 1 to the count.
3. Return the count; for example "abcde" gives 2 and "ACEDY" gives 3.

Note that an empty string raises an IndexError, because the last character is read unconditionally."""

INT_TO_MINI_ROMAN = '''def int_to_mini_roman(number):
    num = [1, 4, 5, 9, 10, 40, 50, 90,
           100, 400, 500, 900, 1000]
    sym = ["I", "IV", "V", "IX", "X", "XL",
           "L", "XC", "C", "CD", "D", "CM", "M"]
    i = 12
    res = ''
    while number:
        div = number // num[i]
        number %= num[i]
        while div:
            res += sym[i]
            div -= 1
        i -= 1
    return res.lower()
'''
INT_TO_MINI_ROMAN_DOC = """Convert a positive integer (1 to 1000) to its Roman numeral in lower case.
Parameters:
- number: the integer to convert, between 1 and 1000
Returns: the Roman numeral as a lower-case string
Behavior:
1. Use the value table 1000 = M, 900 = CM, 500 = D, 400 = CD, 100 = C, 90 = XC, 50 = L, 40 = XL, 10 = X, 9 = IX, 5 = V, 4 = IV, 1 = I, from the largest value down.
2. For each value, append its symbol as many times as the value fits into the remaining number, and keep the remainder.
3. Stop when the remaining number is 0 and return the symbols lower-cased, e.g. 19 gives 'xix', 152 gives 'clii' and 426 gives 'cdxxvi'."""

PARSE_MUSIC = '''def parse_music(music_string: str) -> List[int]:
    note_map = {'o': 4, 'o|': 2, '.|': 1}
    return [note_map[x] for x in music_string.split(' ') if x]
'''
PARSE_MUSIC_DOC = """Parse a string of musical notes in a special ASCII format into their lengths in beats.

**Parameters:**
- `music_string` (str): notes separated by single spaces

**Returns:** a list of integers, the number of beats of each note in order

**Behavior:**
- Split the string on the space character and skip empty pieces.
- Map each note to its length: 'o' (whole note) lasts 4 beats, 'o|' (half note) lasts 2 beats and '.|' (quarter note) lasts 1 beat.
- A piece that is not one of these three notes raises a KeyError.
- Return the lengths in the order of the notes, e.g. 'o o| .| o| o| .| .| .| .| o o' gives [4, 2, 1, 2, 2, 1, 1, 1, 1, 4, 4]."""

LETTER_GRADE = '''def numerical_letter_grade(grades):
    letter_grade = []
    for gpa in grades:
        if gpa == 4.0:
            letter_grade.append("A+")
        elif gpa > 3.7:
            letter_grade.append("A")
        elif gpa > 3.3:
            letter_grade.append("A-")
        elif gpa > 3.0:
            letter_grade.append("B+")
        elif gpa > 2.7:
            letter_grade.append("B")
        elif gpa > 2.3:
            letter_grade.append("B-")
        elif gpa > 2.0:
            letter_grade.append("C+")
        elif gpa > 1.7:
            letter_grade.append("C")
        elif gpa > 1.3:
            letter_grade.append("C-")
        elif gpa > 1.0:
            letter_grade.append("D+")
        elif gpa > 0.7:
            letter_grade.append("D")
        elif gpa > 0.0:
            letter_grade.append("D-")
        else:
            letter_grade.append("E")
    return letter_grade
'''
LETTER_GRADE_DOC = """Convert a list of GPAs to letter grades.
Parameters:
- grades: a list of GPAs (floats between 0.0 and 4.0)
Returns: a list of letter-grade strings, one per GPA, in the same order
Behavior:
1. Exactly 4.0 is "A+".
2. Otherwise the first matching rule wins: above 3.7 is "A", above 3.3 "A-", above 3.0 "B+", above 2.7 "B", above 2.3 "B-", above 2.0 "C+", above 1.7 "C", above 1.3 "C-", above 1.0 "D+", above 0.7 "D", above 0.0 "D-".
3. Anything else (0.0 or less) is "E".
4. For example [4.0, 3, 1.7, 2, 3.5] gives ['A+', 'B', 'C-', 'C', 'A-']."""

SORT_NUMBERS = '''def sort_numbers(numbers: str) -> str:
    value_map = {
        'zero': 0,
        'one': 1,
        'two': 2,
        'three': 3,
        'four': 4,
        'five': 5,
        'six': 6,
        'seven': 7,
        'eight': 8,
        'nine': 9
    }
    return ' '.join(sorted([x for x in numbers.split(' ') if x], key=lambda x: value_map[x]))
'''
SORT_NUMBERS_DOC = """Sort a space-separated string of number words from 'zero' to 'nine' by their value.
Parameters:
- numbers: words among 'zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight' and 'nine', separated by spaces
Returns: the same words sorted from smallest to largest value, joined by single spaces
Behavior:
1. Split the input on single spaces and drop empty pieces.
2. Sort the words by the digit each one names ('zero' is 0, ..., 'nine' is 9).
3. Join them with one space between words and return the result, e.g. 'three one five' gives 'one three five'."""

TRI = '''def tri(n):
    if n == 0:
        return [1]
    my_tri = [1, 3]
    for i in range(2, n + 1):
        if i % 2 == 0:
            my_tri.append(i / 2 + 1)
        else:
            my_tri.append(my_tri[i - 1] + my_tri[i - 2] + (i + 3) / 2)
    return my_tri
'''
TRI_DOC = """Return the first n + 1 numbers of the Tribonacci-like sequence tri.
Parameters:
- n: a non-negative integer
Returns: a list of n + 1 numbers, tri(0) through tri(n); the even terms after the first two are floats
Behavior:
1. If n is 0, return [1].
2. Otherwise start the list with tri(0) = 1 and tri(1) = 3.
3. For every i from 2 to n: when i is even the term is i / 2 + 1; when i is odd it is the sum of the two previous terms plus (i + 3) / 2.
4. Return the list; for example n = 3 gives [1, 3, 2.0, 8.0]."""

FIBFIB = '''def fibfib(n: int):
    if n == 0:
        return 0
    if n == 1:
        return 0
    if n == 2:
        return 1
    return fibfib(n - 1) + fibfib(n - 2) + fibfib(n - 3)
'''
FIBFIB_DOC = """Compute the n-th element of the FibFib sequence.

Parameters:
- n: the position in the sequence, a non-negative integer

Returns: the n-th FibFib number

Behavior:
1. The first three elements are fixed: fibfib(0) = 0, fibfib(1) = 0 and fibfib(2) = 1.
2. Every later element is the sum of the three before it, computed recursively.
3. For example fibfib(5) is 4 and fibfib(8) is 24.

Hope this helps!"""

SPECIAL_FACTORIAL = '''def special_factorial(n):
    fact_i = 1
    special_fact = 1
    for i in range(1, n+1):
        fact_i *= i
        special_fact *= fact_i
    return special_fact
'''
SPECIAL_FACTORIAL_DOC = """Compute the "Brazilian factorial" n! * (n-1)! * ... * 1!.
Parameters:
- n: a positive integer
Returns: the product of the factorials of 1 through n (1 when n is 0)
Behavior:
1. Keep a running factorial and a running product, both starting at 1.
2. For i from 1 to n, multiply the running factorial by i, then multiply the product by that factorial.
3. Return the product; for example 4 gives 4! * 3! * 2! * 1! = 24 * 6 * 2 * 1 = 288."""

COMPARE_ONE = '''def compare_one(a, b):
    temp_a, temp_b = a, b
    if isinstance(temp_a, str): temp_a = temp_a.replace(',','.')
    if isinstance(temp_b, str): temp_b = temp_b.replace(',','.')
    if float(temp_a) == float(temp_b): return None
    return a if float(temp_a) > float(temp_b) else b
'''
COMPARE_ONE_DOC = """Return whichever of two numbers is larger, keeping its original type.
Parameters:
- a: an int, a float, or a string holding a real number
- b: the same kinds of value as a
Returns: the larger of a and b, unchanged (same type as given), or None when they are equal
Behavior:
1. For comparison, a string value has its decimal comma ',' replaced by a dot '.' (so "2,3" means 2.3).
2. Convert both values to floats; if they are equal, return None.
3. Otherwise return the original argument (not the converted float) whose value is larger.
4. Examples: (1, 2.5) gives 2.5, (1, "2,3") gives "2,3", ("5,1", "6") gives "6" and ("1", 1) gives None."""

FIX_SPACES = '''def fix_spaces(text):
    new_text = ""
    i = 0
    start, end = 0, 0
    while i < len(text):
        if text[i] == " ":
            end += 1
        else:
            if end - start > 2:
                new_text += "-"+text[i]
            elif end - start > 0:
                new_text += "_"*(end - start)+text[i]
            else:
                new_text += text[i]
            start, end = i+1, i+1
        i+=1
    if end - start > 2:
        new_text += "-"
    elif end - start > 0:
        new_text += "_"
    return new_text
'''
FIX_SPACES_DOC = """Replace the spaces of a string with underscores, and long runs of spaces with a single dash.

**Parameters**
- `text`: the input string

**Returns**
- the string with its spaces replaced

**Behavior**
1. Scan the string and group consecutive spaces into runs.
2. A run of more than 2 spaces (3 or more) inside the string becomes a single '-'.
3. A shorter run (1 or 2 spaces) inside the string becomes the same number of '_' characters.
4. A run at the very end of the string becomes one '-' if it is longer than 2 and one '_' otherwise.
5. All other characters are copied unchanged, so "Example 1" gives "Example_1" and " Example   3" gives "_Example-3"."""

ENCODE = '''def encode(message):
    vowels = "aeiouAEIOU"
    vowels_replace = dict([(i, chr(ord(i) + 2)) for i in vowels])
    message = message.swapcase()
    return ''.join([vowels_replace[i] if i in vowels else i for i in message])
'''
ENCODE_DOC = """Encode a message by swapping the case of its letters and shifting its vowels.
Parameters:
- message: the text to encode (letters and spaces)
Returns: the encoded string
Behavior:
1. Swap the case of every letter: lower case becomes upper case and vice versa.
2. After the swap, replace every vowel (a, e, i, o, u in either case) with the letter two places after it in the alphabet, keeping its case: 'a' becomes 'c', 'e' becomes 'g', 'i' becomes 'k', 'o' becomes 'q' and 'u' becomes 'w'.
3. Leave every other character unchanged and return the result; 'test' gives 'TGST' and 'This is a message' gives 'tHKS KS C MGSSCGG'."""

ODD_COUNT = '''def odd_count(lst):
    res = []
    for arr in lst:
        n = sum(int(d)%2==1 for d in arr)
        res.append("the number of odd elements " + str(n) + "n the str"+ str(n) +"ng "+ str(n) +" of the "+ str(n) +"nput.")
    return res
'''
ODD_COUNT_DOC = """For each string of digits, build a sentence in which the count of its odd digits replaces every letter 'i'.
Parameters:
- lst: a list of strings made only of digits
Returns: a list of sentences, one per input string
Behavior:
1. For each string, count its odd digits (1, 3, 5, 7 and 9); call the count n.
2. Produce the sentence "the number of odd elements in the string i of the input." with every "i" replaced by n, i.e. "the number of odd elements nn the strnng n of the nnput."
3. For example ['1234567'] gives ["the number of odd elements 4n the str4ng 4 of the 4nput."]."""

STRING_XOR = '''def string_xor(a: str, b: str) -> str:
    def xor(i, j):
        if i == j:
            return '0'
        else:
            return '1'

    return ''.join(xor(x, y) for x, y in zip(a, b))
'''
STRING_XOR_DOC = """Perform a bitwise XOR of two binary strings.

Parameters:
- `a`: a string of '0' and '1' characters
- `b`: another string of '0' and '1' characters

Returns: a string with one character per position, '0' where the inputs agree and '1' where they differ

Behavior:
1. Walk over both strings together, position by position, stopping at the end of the shorter one.
2. Write '0' when the two characters are equal and '1' otherwise.
3. Join the characters into the result, e.g. '010' and '110' give '100'."""

TRUNCATE = '''def truncate_number(number: float) -> float:
    return number % 1.0
'''
TRUNCATE_DOC = """Return the decimal part of a positive floating-point number.
Parameters:
- number: a positive float
Returns: the fractional part, a float in [0, 1)
Behavior:
1. Take the remainder of the number divided by 1.0, which drops the integer part.
2. For example 3.5 gives 0.5."""

RB_VOWELS = '''def vowels_count(s)
  n = s.count("aeiouAEIOU")
  n += 1 if s.end_with?("y") || s.end_with?("Y")
  n
end
'''
RB_VOWELS_DOC = """Counts the vowels in a word; a trailing 'y' also counts as a vowel.

**Parameters:**
- `s` (String): the word

**Returns:** (Integer) the number of vowels

**Behavior:**
1. Count the characters of `s` that are among "aeiouAEIOU".
2. If the word ends with "y" or "Y", add one.
3. Return the total, so "abcde" gives 2 and "ACEDY" gives 3."""

RB_ROMAN = '''def int_to_mini_roman(number)
  table = [[1000, "m"], [900, "cm"], [500, "d"], [400, "cd"], [100, "c"], [90, "xc"],
           [50, "l"], [40, "xl"], [10, "x"], [9, "ix"], [5, "v"], [4, "iv"], [1, "i"]]
  result = ""
  table.each do |value, symbol|
    while number >= value
      result << symbol
      number -= value
    end
  end
  result
end
'''
RB_ROMAN_DOC = """Here's the documentation for this Ruby method:

Converts an integer between 1 and 1000 into a lower-case Roman numeral.
Parameters:
- number: the Integer to convert
Returns: the Roman numeral as a String, e.g. "xix" for 19
Behavior:
1. Go through the pairs 1000 "m", 900 "cm", 500 "d", 400 "cd", 100 "c", 90 "xc", 50 "l", 40 "xl", 10 "x", 9 "ix", 5 "v", 4 "iv" and 1 "i", largest first.
2. While the number is at least the pair's value, append its symbol and subtract the value.
3. Return the collected symbols; 426 gives "cdxxvi"."""

GO_PARSE_MUSIC = '''func ParseMusic(musicString string) []int {
	noteMap := map[string]int{"o": 4, "o|": 2, ".|": 1}
	result := []int{}
	for _, note := range strings.Split(musicString, " ") {
		if note == "" {
			continue
		}
		result = append(result, noteMap[note])
	}
	return result
}
'''
GO_PARSE_MUSIC_DOC = """ParseMusic converts a string of ASCII notes into their durations in beats.
Parameters:
- musicString: the notes, separated by spaces
Returns: a slice of ints with the number of beats of each note, in order (an empty slice for no notes)
Behavior:
1. Split the string on " " and ignore empty fields.
2. Look each note up: "o" is a whole note (4 beats), "o|" a half note (2 beats), ".|" a quarter note (1 beat); an unknown note counts as 0.
3. Append each duration to the result and return it; "o o| .| o|" gives [4, 2, 1, 2]."""

GO_FIX_SPACES = '''func FixSpaces(text string) string {
	var b strings.Builder
	run := 0
	flush := func() {
		if run > 2 {
			b.WriteString("-")
		} else {
			b.WriteString(strings.Repeat("_", run))
		}
		run = 0
	}
	for _, r := range text {
		if r == ' ' {
			run++
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}
'''
GO_FIX_SPACES_DOC = """`FixSpaces` replaces the spaces in a string: runs of more than two spaces become a single "-", shorter runs become the same number of "_".

Parameters:
- `text` (string): the input text

Returns: the rewritten string

Behavior:
1. Walk the string rune by rune, counting consecutive spaces.
2. When a non-space rune arrives, first emit the pending run: "-" if it had more than 2 spaces, otherwise one "_" per space, then copy the rune.
3. At the end of the string, emit the pending run the same way (note: unlike some variants, a trailing run of 1 or 2 spaces keeps one "_" per space).
4. Return the result, for example "Example 2" gives "Example_2" and "Example   3" gives "Example-3"."""

GO_GCD = '''func GreatestCommonDivisor(a int, b int) int {
	if b < 2 {
		return b
	}
	var gcd int = 1
	for i := 2; i < b; i++ {
		if a%i == 0 && b%i == 0 {
			gcd = i
		}
	}
	return gcd
}
'''
GO_GCD_DOC = """**Summary:** GreatestCommonDivisor returns the greatest common divisor of two integers by trial division.

**Parameters:**
- `a` (int): the first integer
- `b` (int): the second integer

**Returns:** an `int`, the largest divisor found

**Behavior:**
1. If `b` is less than 2, return `b` itself (so 0 and 1 are returned unchanged).
2. Otherwise try every candidate from 2 up to `b - 1` and remember the largest one that divides both `a` and `b` evenly; start from 1 if none does.
3. Return that divisor. Note that `b` itself is never tried, so GreatestCommonDivisor(3, 3) gives 1 and (25, 15) gives 5."""

PY_SEPARATE_PARENS = '''def separate_paren_groups(paren_string: str) -> List[str]:
    result = []
    current_string = []
    current_depth = 0
    for c in paren_string:
        if c == '(':
            current_depth += 1
            current_string.append(c)
        elif c == ')':
            current_depth -= 1
            current_string.append(c)
            if current_depth == 0:
                result.append(''.join(current_string))
                current_string.clear()
    return result
'''
PY_SEPARATE_PARENS_DOC = """## `separate_paren_groups`

Split a string containing several groups of nested parentheses into the separate balanced groups.

---

**Parameters:**
- `paren_string` (`str`): a string of `(` and `)` characters, possibly with spaces

**Returns:** `List[str]` — the top-level groups, in order, without spaces

**Behavior:**
1. Track the current nesting depth (starting at `0`) and the characters of the group being built.
2. Ignore every character other than `(` and `)`; spaces are dropped.
3. On `(`, increase the depth by `1` and append it to the current group; on `)`, decrease the depth by `1` and append it.
4. When the depth returns to `0` after a `)`, the group is complete: add it to the result and start a new one.

**Example:** `'( ) (( )) (( )( ))'` gives `['()', '(())', '(()())']`.

---
Let me know if you would like more examples!"""

GO_WORDS_STRING = '''func WordsString(s string) []string {
	s = strings.ReplaceAll(s, ",", " ")
	return strings.Fields(s)
}
'''
GO_WORDS_STRING_DOC = """**WordsString** splits a string of words separated by commas or spaces into a slice of words.

**Parameters:**
- `s` (`string`): the input text, e.g. `"Hi, my name is John"`

**Returns:** `[]string` — the words in order, e.g. `["Hi", "my", "name", "is", "John"]`; an empty slice when there are none

**Behavior:**
1. Replace every comma `","` with a space `" "`.
2. Split the result on runs of white space, dropping empty fields, so leading, trailing and repeated separators produce no empty words.
3. Return the words."""

RB_SUM_SQUARES = '''def sum_squares(lst)
  lst.map { |x| x.ceil ** 2 }.sum
end
'''
RB_SUM_SQUARES_DOC = """Certainly! Here is the documentation:

Returns the sum of the squares of the numbers in an array, after rounding each number up.
Parameters:
- `lst` (Array<Numeric>): the numbers, integers or floats
Returns: an Integer, the sum of the squared ceilings (0 for an empty array)
Behavior:
1. Round each element up to the nearest integer (the ceiling), so 1.4 becomes 2 and -2.4 becomes -2.
2. Square each rounded value and add them all up.
3. For example `[1, 2, 3]` gives 14, `[1.4, 4.2, 0]` gives 29 and `[-2.4, 1, 1]` gives 6.

This method does not modify the input array."""

GO_BELOW_ZERO = '''func BelowZero(operations []int) bool {
	balance := 0
	for _, op := range operations {
		balance += op
		if balance < 0 {
			return true
		}
	}
	return false
}
'''
GO_BELOW_ZERO_DOC = """### Summary
`BelowZero` reports whether a bank account balance ever falls below zero.

### Parameters
- `operations` — deposits (positive) and withdrawals (negative), applied in order

### Returns
`true` if the running balance drops below `0` at any point, `false` otherwise.

### Behavior
1. Start with a balance of `0`.
2. Add each operation to the balance in order.
3. As soon as the balance is negative (strictly less than `0`), return `true`; a balance of exactly `0` is fine.
4. If all operations are applied without that happening, return `false`. For example `[1, 2, -3]` gives `false` and `[1, 2, -4, 5]` gives `true`."""

CASES = [
    ("python", COUNT_NUMS, COUNT_NUMS_DOC, 1.0),
    ("python", HEX_KEY, HEX_KEY_DOC, 0.5),
    ("python", FILE_NAME_CHECK, FILE_NAME_CHECK_DOC, 1.0),
    ("python", CORRECT_BRACKETING, CORRECT_BRACKETING_DOC, 0.5),
    ("python", VOWELS_COUNT, VOWELS_COUNT_DOC, 0.5),
    ("python", INT_TO_MINI_ROMAN, INT_TO_MINI_ROMAN_DOC, 1.0),
    ("python", PARSE_MUSIC, PARSE_MUSIC_DOC, 0.5),
    ("python", LETTER_GRADE, LETTER_GRADE_DOC, 1.0),
    ("python", SORT_NUMBERS, SORT_NUMBERS_DOC, 1.0),
    ("python", FIBFIB, FIBFIB_DOC, 0.5),
    ("python", SPECIAL_FACTORIAL, SPECIAL_FACTORIAL_DOC, 1.0),
    ("python", COMPARE_ONE, COMPARE_ONE_DOC, 1.0),
    ("python", FIX_SPACES, FIX_SPACES_DOC, 0.5),
    ("python", ENCODE, ENCODE_DOC, 1.0),
    ("python", ODD_COUNT, ODD_COUNT_DOC, 1.0),
    ("python", STRING_XOR, STRING_XOR_DOC, 1.0),
    ("python", TRUNCATE, TRUNCATE_DOC, 1.0),
    ("ruby", RB_VOWELS, RB_VOWELS_DOC, 0.5),
    ("ruby", RB_ROMAN, RB_ROMAN_DOC, 0.5),
    ("go", GO_PARSE_MUSIC, GO_PARSE_MUSIC_DOC, 1.0),
    ("go", GO_FIX_SPACES, GO_FIX_SPACES_DOC, 1.0),
    ("go", GO_GCD, GO_GCD_DOC, 0.5),
    ("python", PY_SEPARATE_PARENS, PY_SEPARATE_PARENS_DOC, 0.5),
    ("go", GO_WORDS_STRING, GO_WORDS_STRING_DOC, 0.5),
    ("ruby", RB_SUM_SQUARES, RB_SUM_SQUARES_DOC, 0.5),
    ("go", GO_BELOW_ZERO, GO_BELOW_ZERO_DOC, 0.5),
]



@pytest.mark.parametrize("language,code,doc,expected", CASES, ids=[f"{c[0]}-{c[2].splitlines()[0][:30]}" for c in CASES])
def test_precise_documentation_keeps_its_score(language, code, doc, expected):
    result = check(doc, code, language)
    assert (result.score, result.reason.split(":")[0]) == (expected, "ok" if expected == 1.0 else "rewritten"), result.reason


def issue_doc(step: str) -> str:
    return render_doc("Document the function precisely.", ["Read the input.", step, "Return the result."],
                      [("x", "the input")], "the result")


@pytest.mark.parametrize(
    "code,step",
    [
        (COUNT_NUMS, "For example, -123 gives -1 + 2 + 3 = 4, 11 gives 2, and -11 gives 0."),
        (HEX_KEY, "if it is one of the characters '2', '3', '5', '7', 'B' or 'D', add one to the counter."),
        (FILE_NAME_CHECK, "If the part after the dot is not exactly 'txt', 'exe' or 'dll' (case-sensitive), return 'No'."),
    ],
    ids=["worked_example", "character_set", "quoted_options"],
)
def test_the_issues_sentences_are_documentation(code, step):
    assert check(issue_doc(step), code, "python").reason == "ok"


@pytest.mark.parametrize(
    "code,step",
    [
        (HEX_KEY, "Loop with for i in range(0, len(num)): if num[i] in primes: total += 1 over the string."),
        (HEX_KEY, "Count with total += 1 whenever num[i] in ('2', '3', '5', '7', 'B', 'D') holds, i.e. 'if num[i] in primes: total += 1'."),
        (FILE_NAME_CHECK, "Do lst = file_name.split(sep='.') and if len(lst) != 2: return 'No'."),
        (INT_TO_MINI_ROMAN, "While number: div = number // num[i]; number %= num[i]; then res += sym[i] div times."),
        (COUNT_NUMS, "Compute n = [int(i) for i in str(n)] and n[0] = n[0] * neg, then sum(n)."),
    ],
    ids=["loop_among_values", "quoted_statement", "split_and_compare", "roman_loop", "digits_list"],
)
def test_code_among_values_is_still_a_leak(code, step):
    result = check(issue_doc(step), code, "python")
    assert result.score == 0.0 and result.reason.startswith("leak:"), result.reason


@pytest.mark.parametrize(
    "step",
    [
        "Split the name at the dot, then check the part before the dot and the part after the dot.",
        "Every opening bracket must have a matching closing bracket; the first closing bracket without one fails.",
    ],
)
def test_punctuation_named_as_a_character_is_not_read_aloud(step):
    assert check(issue_doc(step), FILE_NAME_CHECK, "python").reason == "ok"


def test_punctuation_read_aloud_is_still_a_leak():
    step = "Set lst to file_name dot split, then if lst open bracket 1 close bracket not in suf, return No."
    assert check(issue_doc(step), FILE_NAME_CHECK, "python").reason == "leak:spelled_syntax"


def test_markdown_title_and_rules_are_removed():
    doc = issue_doc("Count the characters.")
    result = check("## `hex_key`\n\n" + doc.replace("\nParameters:", "\n---\nParameters:"), HEX_KEY, "python")
    assert (result.score, result.reason, result.doc) == (0.5, "rewritten:markdown", doc)


def test_a_heading_that_is_the_summary_is_kept_as_the_summary():
    doc = issue_doc("Count the characters.")
    result = check("### " + doc, HEX_KEY, "python")
    assert (result.score, result.reason, result.doc) == (0.5, "rewritten:markdown", doc)


FIBFIB_ITERATIVE = '''func fibfib(n int) int {
	if n < 2 {
		return 0
	}
	a, b, c := 0, 0, 1
	for i := 2; i < n; i++ {
		a, b, c = b, c, a+b+c
	}
	return c
}
'''
RECURRENCE = "The terms are fibfib(0) = 0, fibfib(1) = 0, fibfib(2) = 1 and fibfib(k) = fibfib(k-1) + fibfib(k-2) + fibfib(k-3) for k >= 3."


def test_a_recurrence_in_math_notation_documents_an_iterative_function():
    assert check(issue_doc(RECURRENCE), FIBFIB_ITERATIVE, "go").reason == "ok"


def test_the_same_recurrence_is_the_code_of_a_recursive_function():
    result = check(issue_doc(RECURRENCE), FIBFIB, "python")
    assert result.score == 0.0 and result.reason.startswith("leak:"), result.reason


@pytest.mark.parametrize(
    "language,code,step",
    [
        ("go", GO_PARSE_MUSIC, "Examples: n=5 gives [1, 2, 6, 24, 15]; n=7 gives [1, 2, 6, 24, 15, 720, 28]; n=1 gives [1]; n=3 gives [1, 2, 6]."),
        ("python", FILE_NAME_CHECK, 'Examples: "example.txt" → "Yes"; "1example.dll" → "No"; "MY16FILE3.exe" → "Yes"; "all.exe.txt" → "No".'),
        ("go", GO_PARSE_MUSIC, "If i is even, append the factorial (1·2·…·i); if i is odd, append the sum (i·(i+1)/2)."),
        ("go", GO_PARSE_MUSIC, "Accept a []int or a [2]int and return a []string, or [] when there is nothing, true or false otherwise."),
    ],
    ids=["example_inputs", "example_list", "unicode_math", "go_types"],
)
def test_examples_math_and_types_are_documentation(language, code, step):
    assert check(issue_doc(step), code, language).reason == "ok"


@pytest.mark.parametrize(
    "language,code,doc",
    [
        ("ruby", "def initialize\n  @vertices = {}\n  @log = Log.new\nend\n",
         "Initializes an empty dependency graph.\nBehavior:\n1. v2 = {}\n2. v3 = v4.v5\n3. end"),
        ("go", "func (w *appendSliceWriter) WriteString(s string) (int, error) {\n\t*w = append(*w, s...)\n\treturn len(s), nil\n}\n",
         "WriteString appends a string to the buffer.\nBehavior:\n1. *v1 = v3(*v1, v2...)\n2. return v4(v2), nil\n3. }"),
        ("python", "def call(*popenargs, timeout=None, **kwargs):\n    with Popen(*popenargs, **kwargs) as p:\n        return p.wait(timeout=timeout)\n",
         "Run a command and wait for it.\nBehavior:\n1. Wait for the command to complete.\n2. Then def call(*popenargs, timeout=None, **kwargs):"),
    ],
    ids=["ruby_renamed_statements", "go_renamed_statements", "signature_with_stars"],
)
def test_short_code_without_prose_is_still_a_leak(language, code, doc):
    result = check(doc, code, language)
    assert result.score == 0.0 and result.reason.startswith("leak:"), result.reason


def test_the_codes_own_expressions_verbatim_stay_a_leak():
    """The boundary: TRI_DOC is precise, but it writes the code's expressions `i / 2 + 1` and `(i + 3) / 2`
    (and `n + 1`, `tri(n)`) in the code's own syntax; the issue keeps such expressions leaks."""
    result = check(TRI_DOC, TRI, "python")
    assert result.score == 0.0 and result.reason.startswith("leak:"), result.reason
    in_words = TRI_DOC.replace("i / 2 + 1", "half of i plus one").replace("plus (i + 3) / 2", "plus half of (i + 3)")
    assert check(in_words, TRI, "python").score == 1.0
