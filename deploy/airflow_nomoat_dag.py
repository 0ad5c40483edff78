"""Airflow DAG: nomoat's stages on the cluster, one SparkSubmitOperator each: prepare -> train -> evaluate -> export -> report.

Every nomoat stage is idempotent: it refuses to overwrite a committed output (exit code 6) unless --force, so a
retried task whose previous attempt committed is treated as done. A retried train task resumes from its newest
committed checkpoint (--resume auto). Exit codes (README): 0 ok, 1 unexpected failure, 2 usage, 3 config error,
4 input data error, 5 I/O error, 6 output exists. Settings nomoat needs on the cluster are spelled out in
deploy/spark-submit.sh; the same ones are passed here through `conf`.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.exceptions import AirflowException
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

NOMOAT = "/opt/nomoat"           # checkout or unpacked release with conf/ and jobs/target/nomoat-app.jar
RUNS = "hdfs:///nomoat/runs"
RUN = RUNS + "/{{ ds }}"
JAR = NOMOAT + "/jobs/target/nomoat-app.jar"
OPENS = ("--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED "
         "--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED")
SPARK_CONF = {
    "spark.driver.extraJavaOptions": OPENS,
    "spark.executor.extraJavaOptions": OPENS,
    # ND4J keeps weights off-heap: room beyond the heap for the model and its activations
    "spark.executor.memoryOverhead": "2g",
}
# training needs a fixed set of executors, one training task each
TRAIN_CONF = dict(SPARK_CONF, **{"spark.dynamicAllocation.enabled": "false", "spark.speculation": "false"})

STAGES = [
    ("prepare", [f"prepare.output={RUN}/prepared"]),
    ("train", [f"train.data={RUN}/prepared", f"train.output={RUN}/train"]),
    ("evaluate", [f"evaluate.data={RUN}/prepared", f"evaluate.train-output={RUN}/train", f"evaluate.output={RUN}/evaluate"]),
    ("export", [f"export.adapter={RUN}/train/adapter", f"export.output={RUN}/export"]),
    ("report", None),
]


class NomoatSubmitOperator(SparkSubmitOperator):
    """spark-submit of one nomoat stage; exit code 6 (committed by an earlier attempt) is success, train resumes on retry."""

    def __init__(self, *, stage, **kwargs):
        super().__init__(**kwargs)
        self.stage = stage

    def execute(self, context):
        if self.stage == "train" and context["ti"].try_number > 1 and "--resume" not in self._application_args:
            self._application_args = list(self._application_args) + ["--resume", "auto"]
        try:
            return super().execute(context)
        except AirflowException as e:
            if already_committed(str(e)):
                self.log.info("nomoat %s: output already committed (exit 6): done", self.stage)
                return None
            raise


def already_committed(message):
    """SparkSubmitHook reports the process's return code as 'Error code is: N'."""
    return "Error code is: 6." in message or message.rstrip().endswith("Error code is: 6")


with DAG(
    dag_id="nomoat",
    start_date=datetime(2026, 11, 1),
    schedule="@daily",
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
) as dag:
    previous = None
    for stage, overrides in STAGES:
        if stage == "report":
            args = ["report", "--run", f"{RUN}/train", "--generations", f"{RUN}/evaluate/generations.jsonl"]
        else:
            args = [stage, "--conf", "cluster.conf"] + overrides
        task = NomoatSubmitOperator(
            task_id=stage,
            stage=stage,
            application=JAR,
            java_class="nomoat.jobs.Main",
            files=f"{NOMOAT}/conf/cluster.conf",
            conf=TRAIN_CONF if stage == "train" else SPARK_CONF,
            application_args=args,
            conn_id="spark_default",
        )
        if previous is not None:
            previous >> task
        previous = task
