"""The vllm-server engine against a stand-in OpenAI-compatible server on loopback (no vLLM here):
what it sends, and how choices become Completions."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from tokenizers import Tokenizer, models, pre_tokenizers
from transformers import PreTrainedTokenizerFast

from batcoder.generation import get_backend


@pytest.fixture(scope="module")
def tokenizer():
    vocab = {token: index for index, token in enumerate(["<eos>", "a", "b", "c", "STOP", "x", "y"])}
    backend = Tokenizer(models.WordLevel(vocab, unk_token="x"))
    backend.pre_tokenizer = pre_tokenizers.Whitespace()
    return PreTrainedTokenizerFast(tokenizer_object=backend, eos_token="<eos>", pad_token="<eos>")


@pytest.fixture
def server(tokenizer):
    """Answers choice i of prompt p with ids [a, b, STOP, c] when i is even, [c, <eos>] when odd."""
    requests = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            requests.append((self.path, body))
            choices = []
            for prompt_index, _ in enumerate(body["prompt"]):
                for sample in range(body["n"]):
                    ids = [1, 2, 4, 3] if sample % 2 == 0 else [3, 0]
                    choices.append({"index": prompt_index * body["n"] + sample, "token_ids": ids,
                                    "text": tokenizer.decode(ids, skip_special_tokens=True), "finish_reason": "stop"})
            payload = json.dumps({"choices": list(reversed(choices))}).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", requests
    httpd.shutdown()
    httpd.server_close()


def test_prompts_go_as_token_ids_and_choices_come_back_per_prompt_in_order(server, tokenizer):
    url, requests = server
    engine = get_backend("vllm-server", tokenizer=tokenizer, base_url=url, served_model="m", batch_size=2)
    results = engine.generate(["a b", "c", "y"], n=2, max_new_tokens=5, temperature=0.7, stop=["STOP"], seed=3)
    assert [path for path, _ in requests] == ["/v1/completions", "/v1/completions"]  # 3 prompts, batches of 2
    first = requests[0][1]
    assert first["prompt"] == [[1, 2], [3]] and first["n"] == 2 and first["max_tokens"] == 5
    assert (first["temperature"], first["stop"], first["include_stop_str_in_output"], first["seed"]) == (0.7, ["STOP"], True, 3)
    assert requests[1][1]["seed"] == 5  # each batch its own seed
    assert [len(group) for group in results] == [2, 2, 2]
    stopped, ended = results[0]
    assert (stopped.text, stopped.completion_ids, stopped.finish_reason) == ("a b ", [1, 2, 4], "stop")
    assert (ended.text, ended.completion_ids, ended.finish_reason) == ("c", [3, 0], "stop")
    assert results[2][0].prompt_ids == [6]


def test_an_unreachable_server_is_one_clear_error(tokenizer):
    engine = get_backend("vllm-server", tokenizer=tokenizer, base_url="http://127.0.0.1:9", timeout_s=5)
    with pytest.raises(RuntimeError, match=r"http://127.0.0.1:9/v1/completions"):
        engine.generate(["a"], max_new_tokens=2)


def test_it_cannot_stand_in_for_the_policy_in_training(tokenizer):
    engine = get_backend("vllm-server", tokenizer=tokenizer)
    assert engine.shares_policy_weights is False
    with pytest.raises(RuntimeError, match="own weights"):
        engine.sync_weights()
