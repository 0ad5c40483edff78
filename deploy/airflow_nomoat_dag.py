"""Airflow DAG: run nomoat's prepare stage nightly with spark-submit.

Every nomoat stage is idempotent: it refuses to overwrite a committed output (exit code 6) unless --force,
so a retried task whose previous attempt committed is detected and treated as done. Exit codes:
0 ok, 1 unexpected failure, 2 usage, 3 config error, 4 input data error, 5 I/O error, 6 output exists.
"""
from datetime import datetime, timedelta

from airflow import DAG
from airflow.operators.bash import BashOperator

NOMOAT = "/opt/nomoat"           # checkout or unpacked release with deploy/ and jobs/target/nomoat-app.jar
RUNS = "hdfs:///nomoat/runs"

with DAG(
    dag_id="nomoat_prepare",
    start_date=datetime(2026, 11, 1),
    schedule="@daily",
    catchup=False,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=10)},
) as dag:
    prepare = BashOperator(
        task_id="prepare",
        # exit code 6 (already committed by an earlier attempt) counts as success
        bash_command=(
            f"{NOMOAT}/deploy/spark-submit.sh --master yarn --deploy-mode client -- "
            f"prepare --conf {NOMOAT}/conf/cluster.conf prepare.output={RUNS}/{{{{ ds }}}}/prepared"
            "; rc=$?; [ $rc -eq 6 ] && exit 0; exit $rc"
        ),
    )
