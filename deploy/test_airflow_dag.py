"""Checks deploy/airflow_nomoat_dag.py without Airflow (Debian does not package it): a tiny fake `airflow` records
the tasks, then the test checks the graph, retries, --resume auto on a train retry and exit 6 as done.
Run: python3 deploy/test_airflow_dag.py (from .ci/run)."""
import importlib.util
import os
import re
import sys
import types


class FakeDag:
    current = None

    def __init__(self, dag_id, **kwargs):
        self.dag_id, self.kwargs, self.tasks = dag_id, kwargs, []

    def __enter__(self):
        FakeDag.current = self
        return self

    def __exit__(self, *exc):
        FakeDag.current = None


class AirflowException(Exception):
    pass


class FakeSparkSubmitOperator:
    exit_code = 0

    def __init__(self, *, task_id, application_args=(), **kwargs):
        self.task_id, self._application_args, self.kwargs = task_id, list(application_args), kwargs
        self.downstream, self.upstream, self.submitted = [], [], []
        self.log = types.SimpleNamespace(info=lambda *a: None)
        FakeDag.current.tasks.append(self)

    def __rshift__(self, other):
        self.downstream.append(other)
        other.upstream.append(self)
        return other

    def execute(self, context):
        self.submitted.append(list(self._application_args))
        if FakeSparkSubmitOperator.exit_code != 0:
            raise AirflowException("Cannot execute: spark-submit ... Error code is: %d." % FakeSparkSubmitOperator.exit_code)


def install_fake_airflow():
    mods = {name: types.ModuleType(name) for name in [
        "airflow", "airflow.exceptions", "airflow.providers", "airflow.providers.apache", "airflow.providers.apache.spark",
        "airflow.providers.apache.spark.operators", "airflow.providers.apache.spark.operators.spark_submit"]}
    mods["airflow"].DAG = FakeDag
    mods["airflow.exceptions"].AirflowException = AirflowException
    mods["airflow.providers.apache.spark.operators.spark_submit"].SparkSubmitOperator = FakeSparkSubmitOperator
    sys.modules.update(mods)


def load_dag():
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "airflow_nomoat_dag.py")
    spec = importlib.util.spec_from_file_location("airflow_nomoat_dag", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main():
    install_fake_airflow()
    m = load_dag()
    tasks = {t.task_id: t for t in m.dag.tasks}
    order = ["prepare", "train", "evaluate", "export", "report"]
    assert list(tasks) == order, list(tasks)
    for a, b in zip(order, order[1:]):
        assert [t.task_id for t in tasks[a].downstream] == [b], (a, tasks[a].downstream)
    assert tasks["prepare"].upstream == []
    assert m.dag.kwargs["default_args"]["retries"] >= 1
    for t in tasks.values():
        assert t.kwargs["java_class"] == "nomoat.jobs.Main"
        assert "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED" in t.kwargs["conf"]["spark.executor.extraJavaOptions"]
    assert tasks["train"].kwargs["conf"]["spark.dynamicAllocation.enabled"] == "false"
    assert tasks["report"]._application_args[:2] == ["report", "--run"]
    # every key=value the DAG passes is a key of reference.conf (nomoat refuses unknown keys with exit 3)
    reference = open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "pipeline", "src", "main", "resources",
                                  "reference.conf")).read()
    for t in tasks.values():
        for arg in t._application_args:
            if "=" in arg and not arg.startswith("-"):
                section, key = arg.split("=", 1)[0].split(".", 1)
                block = re.search(r"^" + re.escape(section) + r" \{\n(.*?)^\}", reference, re.S | re.M)
                assert block and re.search(r"^  " + re.escape(key) + r" = ", block.group(1), re.M), (t.task_id, arg)
    evaluate_keys = {a.split("=", 1)[0] for a in tasks["evaluate"]._application_args if "=" in a}
    assert evaluate_keys == {"evaluate.data", "evaluate.train-output", "evaluate.output"}, evaluate_keys

    train = tasks["train"]
    FakeSparkSubmitOperator.exit_code = 0
    train.execute({"ti": types.SimpleNamespace(try_number=1)})
    assert "--resume" not in train.submitted[-1], train.submitted[-1]
    train.execute({"ti": types.SimpleNamespace(try_number=2)})
    assert train.submitted[-1][-2:] == ["--resume", "auto"], train.submitted[-1]
    train.execute({"ti": types.SimpleNamespace(try_number=3)})
    assert train.submitted[-1].count("--resume") == 1, train.submitted[-1]

    FakeSparkSubmitOperator.exit_code = 6
    assert tasks["export"].execute({"ti": types.SimpleNamespace(try_number=2)}) is None  # already committed: done
    for code in (1, 3, 4, 5):
        FakeSparkSubmitOperator.exit_code = code
        try:
            tasks["prepare"].execute({"ti": types.SimpleNamespace(try_number=1)})
        except AirflowException:
            continue
        raise AssertionError("exit %d must fail the task" % code)
    assert not m.already_committed("Error code is: 64.")
    print("test_airflow_dag: ok")


if __name__ == "__main__":
    main()
