package nomoat.pipeline.source;

/** One input file found by {@link InputFiles#expand}: its fully qualified URI and its length in bytes. */
public record InputFile(String uri, long length) implements java.io.Serializable {}
