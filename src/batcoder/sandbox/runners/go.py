"""Go: programs are test packages run with ``go test`` (MultiPL-E's layout: ``package x_test``,
``func TestX(t *testing.T)``, testify assertions). A second file in the same package adds a
``TestMain`` that prints the marker only when ``m.Run()`` reports success.

Offline: GOPATH mode against the Debian-packaged sources in /usr/share/gocode (testify and its
dependencies). Compiled packages go to a persistent build cache shared by all sandboxes, so only the
first run pays for compiling the standard library and testify. ``go test`` is split in two so that
the program's code never sees that cache: ``go test -c`` (compiling and vetting, which runs none of
the program's code) gets the cache as fd 3, and the test binary is started with fd 3 closed. A
program therefore cannot plant compiled code in the cache for later programs to run.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

from batcoder.languages import get_language
from batcoder.sandbox.isolation import shared_cache_dir
from batcoder.sandbox.runners.base import Job, Runner

BUILD_THEN_TEST = "go test -c -o batcoder.test && exec ./batcoder.test 3>&-"
PACKAGE_CLAUSE = re.compile(r"^package\s+(\w+)", re.MULTILINE)

TEST_MAIN = """package {package}

import (
	batcoderos "os"
	batcodertesting "testing"
)

func TestMain(m *batcodertesting.M) {
	code := m.Run()
	if code == 0 {
		batcoderos.Stdout.WriteString("\\n{marker}\\n")
	}
	batcoderos.Exit(code)
}
"""

WARM_UP_PROGRAM = """package warmup_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestWarmUp(t *testing.T) {
	assert.Equal(t, "1", fmt.Sprint(1))
}
"""


class GoRunner(Runner):
    language = "go"
    build_cache = "go-build"

    def prepare(self, program: str, marker: str) -> Job:
        language = get_language(self.language)
        files = language.program_files(program)
        package = PACKAGE_CLAUSE.search(program)
        if package:  # without a package clause the program does not compile: no marker file needed
            files["batcoder_main_test.go"] = TEST_MAIN.replace("{package}", package.group(1)).replace("{marker}", marker)
        env = {
            "GOCACHE": "/proc/self/fd/3",
            "GOPATH": "/usr/share/gocode",
            "GO111MODULE": "off",
            "GOFLAGS": "",
            "GOENV": "off",
            "CGO_ENABLED": "0",
            "GOMAXPROCS": "2",  # Go threads count against the process limit
        }
        # The language's runtime (`go test`) split into build and run; see the module docstring.
        argv = ["/bin/sh", "-c", BUILD_THEN_TEST]
        return Job(files=files, argv=argv, main_file=language.runtime.main_file, env=env, build_cache=self.build_cache)

    def warm_up(self) -> str | None:
        """A testify test, so that the standard library and testify are compiled before the first job
        (a cold compile takes tens of seconds, which would otherwise count against its timeout)."""
        return None if self._warm_stamp().exists() else WARM_UP_PROGRAM

    def mark_warm(self) -> None:
        self._warm_stamp().touch()

    def _warm_stamp(self) -> Path:
        go = Path(shutil.which("go") or "go").resolve()
        toolchain = f"{go}:{go.stat().st_mtime_ns if go.exists() else 0}"
        return shared_cache_dir(self.build_cache) / f"batcoder-warm-{hashlib.sha256(toolchain.encode()).hexdigest()[:16]}"



RUNNER = GoRunner()
