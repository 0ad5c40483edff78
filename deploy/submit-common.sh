# Sourced by submit-standalone.sh, submit-yarn.sh and submit-k8s.sh after they set STAGE: the executor sizes and the
# settings every nomoat stage needs on any cluster manager (one place, so the three stay alike).
EXECUTORS="${EXECUTORS:-2}" CORES="${EXECUTOR_CORES:-4}" MEM="${EXECUTOR_MEMORY:-4g}" OFFHEAP="${OFFHEAP:-2g}"
EXECUTOR_SETTINGS=(
  --executor-cores "$CORES" --executor-memory "$MEM"
  --conf "spark.executor.memoryOverhead=$OFFHEAP"
  --conf "spark.executor.extraJavaOptions=-Dorg.bytedeco.javacpp.maxbytes=$OFFHEAP --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED")
TRAIN=()
if [[ "$STAGE" == train || "$STAGE" == evaluate ]]; then TRAIN=(
  --conf spark.dynamicAllocation.enabled=false   # training needs a fixed set of executors
  --conf spark.speculation=false
  --conf "spark.task.cpus=$CORES"                # one training task per executor: it uses every core through the engine
  --conf spark.driver.maxResultSize=2g           # adapter-gradient sums come back to the driver each step
  --conf spark.rpc.message.maxSize=512)
fi
