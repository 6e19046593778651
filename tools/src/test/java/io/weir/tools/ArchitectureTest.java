package io.weir.tools;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;

/**
 * The CLI's packages form no cycle: the root package (the {@code weir} command) sees the
 * subcommands, and shared pieces such as {@code cli} sit below them, never above.
 */
@AnalyzeClasses(packages = "io.weir.tools", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule packagesAreFreeOfCycles =
            slices().matching("io.weir.tools.(**)").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule nothingReachesUpToTheRootCommand =
            ArchRuleDefinition.noClasses()
                    .that()
                    .resideOutsideOfPackage("io.weir.tools")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("io.weir.tools");
}
