package nomoat.bench;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/** The benchmarks sit on top of both modules: they use pipeline and jobs, and nothing in the runtime uses them. */
@AnalyzeClasses(packages = "nomoat", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

  @ArchTest
  static final ArchRule runtimeNeverUsesTheBenchmarks = noClasses().that().resideOutsideOfPackage("nomoat.bench..")
      .should().dependOnClassesThat().resideInAPackage("nomoat.bench..");

  /** Config is read in one place (pipeline's config package) into typed records; benchmarks take those too. */
  @ArchTest
  static final ArchRule onlyConfigReadsHocon = noClasses().that().resideInAPackage("nomoat.bench..")
      .should().dependOnClassesThat().resideInAPackage("com.typesafe.config..");
}
