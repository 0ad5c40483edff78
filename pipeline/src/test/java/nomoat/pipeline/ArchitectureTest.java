package nomoat.pipeline;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package arrows of {@code pipeline}, as docs/ARCHITECTURE.md draws them and each package-info.java states.
 * Lower packages never name higher ones; a new arrow is a design decision: change the rule, the package-info and
 * the picture together.
 */
@AnalyzeClasses(packages = "nomoat.pipeline", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule noPackageCycles = slices().matching("nomoat.pipeline.(*)..").should().beFreeOfCycles();

  /** Bottom to top; each layer may use only the layers named after it (and the JDK and libraries). */
  @ArchTest
  static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
      .layer("base").definedBy("nomoat.pipeline")
      .layer("io").definedBy("nomoat.pipeline.io..")
      .layer("cost").definedBy("nomoat.pipeline.cost..")
      .layer("tokenize").definedBy("nomoat.pipeline.tokenize..")
      .layer("lora").definedBy("nomoat.pipeline.lora..")
      .layer("model").definedBy("nomoat.pipeline.model..")
      .layer("data").definedBy("nomoat.pipeline.data..")
      .layer("format").definedBy("nomoat.pipeline.format..")
      .layer("source").definedBy("nomoat.pipeline.source..")
      .layer("shard").definedBy("nomoat.pipeline.shard..")
      .layer("config").definedBy("nomoat.pipeline.config..")
      .layer("prepare").definedBy("nomoat.pipeline.prepare..")
      .layer("train").definedBy("nomoat.pipeline.train..")
      .layer("generate").definedBy("nomoat.pipeline.generate..")
      .layer("evaluate").definedBy("nomoat.pipeline.evaluate..")
      .layer("export").definedBy("nomoat.pipeline.export..")
      .layer("report").definedBy("nomoat.pipeline.report..")
      .layer("estimate").definedBy("nomoat.pipeline.estimate..")
      .whereLayer("base").mayNotAccessAnyLayer()
      .whereLayer("io").mayOnlyAccessLayers("base")
      .whereLayer("cost").mayOnlyAccessLayers("base")
      .whereLayer("tokenize").mayOnlyAccessLayers("base")
      .whereLayer("lora").mayOnlyAccessLayers("base")
      .whereLayer("model").mayOnlyAccessLayers("lora", "base")
      .whereLayer("data").mayOnlyAccessLayers("tokenize", "base")
      .whereLayer("format").mayOnlyAccessLayers("model", "lora", "tokenize", "io", "base")
      .whereLayer("source").mayOnlyAccessLayers("data", "io", "base")
      .whereLayer("shard").mayOnlyAccessLayers("data", "tokenize", "io", "base")
      .whereLayer("config").mayOnlyAccessLayers("data", "source", "shard", "format", "model", "lora", "tokenize", "io", "cost", "base")
      .whereLayer("prepare").mayOnlyAccessLayers("config", "shard", "source", "data", "tokenize", "io", "base")
      .whereLayer("train").mayOnlyAccessLayers("config", "format", "model", "lora", "shard", "data", "tokenize", "io", "base")
      .whereLayer("generate").mayOnlyAccessLayers("config", "format", "model", "lora", "data", "tokenize", "io", "base")
      .whereLayer("evaluate").mayOnlyAccessLayers("train", "generate", "config", "format", "model", "lora", "shard", "data", "tokenize", "io", "base")
      .whereLayer("export").mayOnlyAccessLayers("config", "format", "model", "lora", "io", "base")
      .whereLayer("report").mayOnlyAccessLayers("shard", "io", "cost", "base")
      .whereLayer("estimate").mayOnlyAccessLayers("model", "lora", "shard", "cost", "base");

  /** The engine runs on token arrays: templating (Jinjava), tokenizers (DJL) and record formats stay above it. */
  @ArchTest
  static final ArchRule engineKnowsNoTextPipeline = noClasses().that().resideInAnyPackage("nomoat.pipeline.model..", "nomoat.pipeline.lora..")
      .should().dependOnClassesThat().resideInAnyPackage("com.hubspot.jinjava..", "ai.djl..", "org.apache.parquet..", "com.typesafe.config..");

  /** Config is read in one place into typed records; everything else takes plain values. */
  @ArchTest
  static final ArchRule onlyConfigReadsHocon = noClasses().that().resideOutsideOfPackage("nomoat.pipeline.config..")
      .should().dependOnClassesThat().resideInAPackage("com.typesafe.config..");

  /** pipeline is the Spark-free core: Spark lives in jobs only. */
  @ArchTest
  static final ArchRule noSpark = noClasses().should().dependOnClassesThat().resideInAPackage("org.apache.spark..");
}
