package nomoat.pipeline.source;

/** A byte range [start, end) of one input file, the unit a Spark task reads. */
public record InputSplit(String uri, long start, long end) implements java.io.Serializable {}
