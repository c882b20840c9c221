"""Tests for ``tf.app.flags`` / ``tf.app.run`` (torchgraph.platform)."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from torchgraph.platform import app, flags

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture
def fv():
    """A private registry with one flag of every kind, so tests never touch the global FLAGS."""
    values = flags.FlagValues()
    flags.DEFINE_string("data_dir", "/tmp/data", "Where the data is.", flag_values=values)
    flags.DEFINE_integer("max_steps", 100, "Number of steps.", flag_values=values)
    flags.DEFINE_float("learning_rate", 0.01, "Learning rate.", flag_values=values)
    flags.DEFINE_boolean("fake_data", False, "Use fake data.", flag_values=values)
    flags.DEFINE_bool("verbose", True, "Be loud.", flag_values=values)
    flags.DEFINE_enum("mode", "train", ["train", "eval"], "Mode.", flag_values=values)
    flags.DEFINE_list("layers", "32,64", "Layer sizes.", flag_values=values)
    return values


def test_defaults(fv):
    fv(["prog"])
    assert fv.data_dir == "/tmp/data"
    assert fv.max_steps == 100
    assert fv.learning_rate == 0.01
    assert fv.fake_data is False
    assert fv.verbose is True
    assert fv.mode == "train"
    assert fv.layers == ["32", "64"]
    assert fv.flag_values_dict()["max_steps"] == 100


def test_parse_forms(fv):
    rest = fv(["prog", "--data_dir=/d", "--max_steps", "7", "-learning_rate=-0.5", "--fake_data",
               "--noverbose", "--mode", "eval", "--layers=1, 2,3"])
    assert rest == ["prog"]
    assert fv.data_dir == "/d"
    assert fv.max_steps == 7
    assert fv.learning_rate == -0.5
    assert fv.fake_data is True
    assert fv.verbose is False
    assert fv.mode == "eval"
    assert fv.layers == ["1", "2", "3"]
    assert fv["max_steps"].present


def test_boolean_explicit_values_and_no_consumption(fv):
    rest = fv(["prog", "--fake_data=false", "--verbose", "positional"])
    assert fv.fake_data is False and fv.verbose is True
    assert rest == ["prog", "positional"]  # a boolean never eats the next argument
    fv(["prog", "--fake_data=1", "--verbose=F"])
    assert fv.fake_data is True and fv.verbose is False


def test_unknown_flags_left_for_program_in_order(fv):
    rest = fv(["prog", "pos1", "--unknown=3", "--max_steps=5", "-q", "pos2", "--", "--mode=eval"])
    assert rest == ["prog", "pos1", "--unknown=3", "-q", "pos2", "--", "--mode=eval"]
    assert fv.max_steps == 5
    assert fv.mode == "train"  # after "--" nothing is parsed
    with pytest.raises(flags.UnrecognizedFlagError):
        fv(["prog", "--unknown=3"], known_only=False)


def test_bad_values_raise(fv):
    with pytest.raises(flags.IllegalFlagValueError, match="max_steps"):
        fv(["prog", "--max_steps=abc"])
    with pytest.raises(flags.IllegalFlagValueError, match="mode"):
        fv(["prog", "--mode=test"])
    with pytest.raises(flags.IllegalFlagValueError, match="Missing value"):
        fv(["prog", "--data_dir"])
    with pytest.raises(flags.IllegalFlagValueError):
        fv(["prog", "--fake_data=maybe"])


def test_absl_errors_become_illegal_values_and_help_names_can_be_flags(fv):
    with pytest.raises(flags.IllegalFlagValueError, match="does not take an argument"):
        fv(["prog", "--noverbose=1"])  # absl itself raises a bare ValueError here
    flags.DEFINE_string("h", "x", "a flag named like a help option", flag_values=fv)
    assert fv(["prog", "-h", "y"]) == ["prog"] and fv.h == "y"

def test_duplicate_definition_and_redefine_after_delete(fv):
    with pytest.raises(flags.DuplicateFlagError):
        flags.DEFINE_integer("max_steps", 1, "again", flag_values=fv)
    del fv.max_steps
    flags.DEFINE_integer("max_steps", 1, "again", flag_values=fv)
    fv(["prog"])
    assert fv.max_steps == 1


def test_assignment_unknown_attribute_and_string_defaults():
    values = flags.FlagValues()
    flags.DEFINE_integer("n", "5", "string default is parsed", flag_values=values)
    values.mark_as_parsed()
    assert values.n == 5
    values.n = 9
    assert values.n == 9
    with pytest.raises(AttributeError):
        values.not_a_flag  # noqa: B018
    with pytest.raises(AttributeError):
        values.not_a_flag = 1
    with pytest.raises(flags.IllegalFlagValueError):
        flags.DEFINE_enum("e", "c", ["a", "b"], "bad default", flag_values=values)


def test_bounds_required_and_multi():
    values = flags.FlagValues()
    flags.DEFINE_integer("k", 1, "k", lower_bound=0, flag_values=values)
    flags.DEFINE_string("out", None, "out", flag_values=values)
    flags.DEFINE_multi_string("tag", [], "tags", flag_values=values)
    flags.mark_flag_as_required("out", values)
    with pytest.raises(flags.IllegalFlagValueError, match="out"):
        values(["prog"])
    with pytest.raises(flags.IllegalFlagValueError, match=">= 0"):
        values(["prog", "--out=x", "--k=-1"])
    values(["prog", "--out=x", "--tag=a", "--tag", "b", "--k=0x10"])
    assert values.tag == ["a", "b"] and values.k == 16


def test_flagfile(tmp_path, fv):
    path = tmp_path / "args.cfg"
    path.write_text("# comment\n--max_steps=42\n\n--noverbose\n")
    fv(["prog", f"--flagfile={path}", "--mode=eval"])
    assert fv.max_steps == 42 and fv.verbose is False and fv.mode == "eval"


def test_legacy_parse_flags_and_dunder_flags(fv):
    rest = fv._parse_flags(["--max_steps=3", "extra"])
    assert rest == ["extra"]
    assert getattr(fv, "__flags")["max_steps"] == 3


def test_module_exports():
    assert app.flags is flags
    for name in ("DEFINE_string", "DEFINE_integer", "DEFINE_float", "DEFINE_boolean", "DEFINE_bool",
                 "DEFINE_enum", "DEFINE_list", "FLAGS"):
        assert hasattr(flags, name)


# --- subprocess: global FLAGS, lazy parsing, app.run -------------------------------------------
def _run_script(tmp_path, source: str, *args: str) -> subprocess.CompletedProcess:
    script = tmp_path / "script.py"
    script.write_text(textwrap.dedent(source))
    env = dict(os.environ, PYTHONPATH=REPO_ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          env=env, timeout=120)


APP_SCRIPT = """
    import sys
    from torchgraph.platform import app
    flags = app.flags
    flags.DEFINE_integer("max_steps", 10, "Number of steps.")
    flags.DEFINE_boolean("fake_data", False, "Use fake data.")
    FLAGS = flags.FLAGS

    def main(argv):
        print("ARGV", argv[1:])
        print("FLAGS", FLAGS.max_steps, FLAGS.fake_data)
        return int(argv[1]) if len(argv) > 1 and argv[1].isdigit() else None

    if __name__ == "__main__":
        app.run()
"""


def test_app_run_passes_remaining_argv_and_exits_with_main_code(tmp_path):
    result = _run_script(tmp_path, APP_SCRIPT, "7", "--max_steps=3", "--other=x", "--fake_data")
    assert result.returncode == 7, result.stderr
    assert "ARGV ['7', '--other=x']" in result.stdout
    assert "FLAGS 3 True" in result.stdout


def test_app_run_main_returning_none_exits_zero(tmp_path):
    result = _run_script(tmp_path, APP_SCRIPT, "--max_steps", "4")
    assert result.returncode == 0, result.stderr
    assert "FLAGS 4 False" in result.stdout


def test_app_run_explicit_main_and_argv(tmp_path):
    result = _run_script(tmp_path, """
        import sys
        from torchgraph.platform import app
        app.flags.DEFINE_string("name", "x", "a name")

        def work(argv):
            print("GOT", argv, app.flags.FLAGS.name)
            return 5

        app.run(main=work, argv=["progname", "--name=y", "rest"])
    """, "--name=ignored")
    assert result.returncode == 5, result.stderr
    assert "GOT ['progname', 'rest'] y" in result.stdout


def test_app_run_bad_flag_value_exits_1(tmp_path):
    result = _run_script(tmp_path, APP_SCRIPT, "--max_steps=many")
    assert result.returncode == 1
    assert "max_steps" in result.stderr
    assert "ARGV" not in result.stdout


def test_help_lists_flags_and_exits_0(tmp_path):
    result = _run_script(tmp_path, APP_SCRIPT, "--help")
    assert result.returncode == 0, result.stderr
    assert "--max_steps" in result.stdout and "Number of steps." in result.stdout
    assert "--[no]fake_data" in result.stdout
    assert "ARGV" not in result.stdout


def test_lazy_parse_on_first_access_tolerates_unknown(tmp_path):
    result = _run_script(tmp_path, """
        from torchgraph.platform import flags
        flags.DEFINE_float("lr", 0.1, "learning rate")
        assert not flags.FLAGS.is_parsed()
        print("LR", flags.FLAGS.lr, flags.FLAGS.is_parsed())
    """, "--lr", "0.5", "-f", "/tmp/kernel.json")
    assert result.returncode == 0, result.stderr
    assert "LR 0.5 True" in result.stdout


def test_tf_flags_and_absl_flags_share_one_registry(tmp_path):
    result = _run_script(tmp_path, """
        from absl import flags as absl_flags
        from torchgraph.platform import app, flags
        absl_flags.DEFINE_integer("from_absl", 1, "defined through absl")
        flags.DEFINE_integer("from_tf", 2, "defined through tf.flags")

        def main(argv):
            print("VALUES", flags.FLAGS.from_absl, absl_flags.FLAGS.from_tf)

        app.run(main)
    """, "--from_absl=3", "--from_tf=4")
    assert result.returncode == 0, result.stderr
    assert "VALUES 3 4" in result.stdout
