import pytest

from batcoder.models import encode_prompt, load_model, render_prompt

MESSAGES = [{"role": "system", "content": "You document code."}, {"role": "user", "content": "def f(): pass"}]


@pytest.fixture
def tokenizer(tiny_dir):
    return load_model(tiny_dir, device="cpu")[1]


def test_render_prompt_uses_the_chat_template(tokenizer):
    assert render_prompt(tokenizer, MESSAGES) == (
        "<|bos|><|system|>\nYou document code.<|eos|>\n<|user|>\ndef f(): pass<|eos|>\n<|assistant|>\n"
    )


def test_render_prompt_without_chat_template_uses_the_plain_template(tokenizer):
    tokenizer.chat_template = None
    assert render_prompt(tokenizer, MESSAGES) == (
        "### System:\nYou document code.\n\n### User:\ndef f(): pass\n\n### Assistant:\n"
    )
    with pytest.raises(ValueError, match="unknown chat role 'tool'"):
        render_prompt(tokenizer, [{"role": "tool", "content": "x"}])


def test_encode_prompt_adds_bos_only_once(tokenizer):
    bos = tokenizer.bos_token_id
    ids = encode_prompt(tokenizer, render_prompt(tokenizer, MESSAGES))
    assert ids[0] == bos and ids[1] != bos
    assert tokenizer.decode(ids) == render_prompt(tokenizer, MESSAGES)
