/**
 * Storage over the Hadoop FileSystem API (file://, hdfs://, s3a:// alike): {@link nomoat.pipeline.io.Storage}, the
 * one file-system helper, and {@link nomoat.pipeline.io.CommittedOutput}, the commit protocol every stage uses
 * (staging directory, rename, {@code _SUCCESS} written last) and the one reader/writer of {@code _SUCCESS}.
 * Depends only on {@code nomoat.pipeline} (errors).
 */
package nomoat.pipeline.io;
