package io.outfall.ingest;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server's shape, checked on its compiled classes: packages by feature with no cycles between
 * them, HTTP helpers that any feature can use because they use none, and nothing of the tools the
 * {@code outfall} command carries (the server's pom does not even have them on its class path;
 * these rules say why).
 */
class ArchitectureTest {
  private static JavaClasses server;

  @BeforeAll
  static void importServer() {
    server =
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.outfall.ingest");
  }

  @Test
  void theServersPackagesDependOnEachOtherWithoutCycles() {
    slices().matching("io.outfall.ingest.(*)..").should().beFreeOfCycles().check(server);
  }

  @Test
  void theHttpHelpersDependOnNothingElseOfTheServer() {
    classes()
        .that()
        .resideInAPackage("io.outfall.ingest.http..")
        .should()
        .onlyDependOnClassesThat()
        .resideInAnyPackage(
            "io.outfall.ingest.http..",
            "java..",
            "io.vertx..",
            "io.netty..",
            "org.slf4j..",
            "com.fasterxml.jackson.core..") // Vert.x's own JSON is Jackson's
        .check(server);
  }

  @Test
  void theServerCarriesNoEmbeddedServicesModbusSimulatorOrCommandLine() {
    noClasses()
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            "io.outfall.app..",
            "io.outfall.gateway..",
            "io.outfall.simulator..",
            "com.hivemq..",
            "io.zonky..",
            "com.ghgande..",
            "org.sqlite..",
            "picocli..")
        .check(server);
  }
}
