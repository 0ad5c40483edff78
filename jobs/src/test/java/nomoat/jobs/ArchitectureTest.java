package nomoat.jobs;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The arrows between the two modules (pipeline's own are in {@code nomoat.pipeline.ArchitectureTest}): jobs is the
 * top, the Spark shell over pipeline; nothing depends on it, and Spark stays out of pipeline.
 */
@AnalyzeClasses(packages = "nomoat", importOptions = {ImportOption.DoNotIncludeTests.class, ArchitectureTest.NoTestJars.class})
class ArchitectureTest {

  /** The pipeline test-jar is on this module's test classpath; its classes are tests too. */
  static final class NoTestJars implements ImportOption {
    @Override
    public boolean includes(Location location) { return !location.contains("-tests.jar"); }
  }

  @ArchTest
  static final ArchRule nothingDependsOnJobs = noClasses().that().resideOutsideOfPackage("nomoat.jobs..")
      .should().dependOnClassesThat().resideInAPackage("nomoat.jobs..");

  @ArchTest
  static final ArchRule pipelineIsSparkFree = noClasses().that().resideInAPackage("nomoat.pipeline..")
      .should().dependOnClassesThat().resideInAPackage("org.apache.spark..");

  /** Config is read in one place (pipeline's config package) into typed records; jobs take those. */
  @ArchTest
  static final ArchRule onlyConfigReadsHocon = noClasses().that().resideOutsideOfPackage("nomoat.pipeline.config..")
      .should().dependOnClassesThat().resideInAPackage("com.typesafe.config..");
}
