"""Chat messages -> prompt text -> token ids, the same way for generation, SFT and RL.

With a chat template (instruction-tuned hub models, and the tiny model from ``init_tiny``) the
tokenizer's own template is used. Without one (base models) a plain template is used::

    ### System:
    {system content}

    ### User:
    {user content}

    ### Assistant:
    {assistant content}

    ### Assistant:
    <- generation starts here

Each message becomes ``### {Role}:\\n{content}\\n\\n``; the prompt ends with ``### Assistant:\\n``.
"""

from __future__ import annotations

PLAIN_TEMPLATE_ROLES = {"system": "System", "user": "User", "assistant": "Assistant"}


def render_prompt(tokenizer, messages: list[dict]) -> str:
    """The prompt text for ``messages`` (dicts with ``role`` and ``content``), ending where the
    assistant's reply starts."""
    if getattr(tokenizer, "chat_template", None):
        return tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
    parts = []
    for message in messages:
        role = message["role"]
        if role not in PLAIN_TEMPLATE_ROLES:
            raise ValueError(f"unknown chat role {role!r}; expected one of {sorted(PLAIN_TEMPLATE_ROLES)}")
        parts.append(f"### {PLAIN_TEMPLATE_ROLES[role]}:\n{message['content']}\n\n")
    parts.append(f"### {PLAIN_TEMPLATE_ROLES['assistant']}:\n")
    return "".join(parts)


def encode_prompt(tokenizer, text: str) -> list[int]:
    """Token ids of a prompt. The tokenizer's special tokens (e.g. BOS) are added unless the text
    already starts with the BOS token, as chat templates usually write it themselves."""
    bos = tokenizer.bos_token
    add_special_tokens = not (bos and text.startswith(bos))
    return tokenizer(text, add_special_tokens=add_special_tokens)["input_ids"]
