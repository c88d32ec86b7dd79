# Sourced by the submit scripts and the local launchers: JVM options for the driver and the executors on JDK 17.
# Spark 4 needs the opens; DJL must never download anything at run time (the natives come from the
# application jar, or from PYTORCH_LIBRARY_PATH in a GPU image).
# shellcheck shell=bash
SPARK_JAVA_OPTS="--add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED\
 --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED\
 --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED\
 --add-opens=java.base/java.util.concurrent=ALL-UNNAMED --add-opens=java.base/java.net=ALL-UNNAMED\
 --add-opens=java.base/java.io=ALL-UNNAMED --add-opens=java.base/sun.nio.cs=ALL-UNNAMED\
 --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED\
 --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED\
 -Djdk.reflect.useDirectMethodHandle=false -Dio.netty.tryReflectionSetAccessible=true\
 -Dai.djl.offline=true"
export SPARK_JAVA_OPTS
