package io.weir.host;

import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.syntax.ArchRuleDefinition;
import com.tngtech.archunit.library.dependencies.SliceAssignment;
import com.tngtech.archunit.library.dependencies.SliceIdentifier;

/**
 * The runtime's packages depend one way, down the data flow of DESIGN.md: {@code wasm} knows
 * nothing of drivers, {@code driver} nothing of sessions, {@code poll} nothing of the kernel; the
 * ports ({@code io}, {@code points}) know nothing at all. Chicory is named only in {@code wasm}.
 */
@AnalyzeClasses(packages = "io.weir.host", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule layers =
            layeredArchitecture()
                    .consideringOnlyDependenciesInLayers()
                    .layer("kernel")
                    .definedBy("io.weir.host")
                    .layer("poll")
                    .definedBy("io.weir.host.poll..")
                    .layer("driver")
                    .definedBy("io.weir.host.driver..")
                    .layer("wasm")
                    .definedBy("io.weir.host.wasm..")
                    .layer("io")
                    .definedBy("io.weir.host.io..")
                    .layer("points")
                    .definedBy("io.weir.host.points..")
                    .whereLayer("kernel")
                    .mayNotBeAccessedByAnyLayer()
                    .whereLayer("poll")
                    .mayOnlyBeAccessedByLayers("kernel")
                    .whereLayer("driver")
                    .mayOnlyBeAccessedByLayers("kernel", "poll")
                    .whereLayer("wasm")
                    .mayOnlyBeAccessedByLayers("kernel", "driver")
                    .whereLayer("io")
                    .mayOnlyBeAccessedByLayers("kernel", "poll")
                    .whereLayer("points")
                    .mayOnlyBeAccessedByLayers("kernel", "poll", "driver");

    @ArchTest
    static final ArchRule packagesAreFreeOfCycles =
            slices().matching("io.weir.host.(**)").should().beFreeOfCycles();

    /**
     * Top-level classes (with their nested classes) do not depend on each other in a circle: a
     * session does not know its instance group's internals, an instance not its module.
     */
    @ArchTest
    static final ArchRule classesAreFreeOfCycles =
            slices().assignedFrom(new TopLevelClasses()).should().beFreeOfCycles();

    static final class TopLevelClasses implements SliceAssignment {
        @Override
        public SliceIdentifier getIdentifierOf(JavaClass c) {
            String name = c.getName();
            int nested = name.indexOf('$');
            return SliceIdentifier.of(nested < 0 ? name : name.substring(0, nested));
        }

        @Override
        public String getDescription() {
            return "top-level classes";
        }
    }

    @ArchTest
    static final ArchRule onlyTheEnginePackageSeesChicory =
            ArchRuleDefinition.noClasses()
                    .that()
                    .resideOutsideOfPackage("io.weir.host.wasm..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage("com.dylibso..");

    @ArchTest
    static final ArchRule noConcreteEngineOutsideTheEnginePackage =
            ArchRuleDefinition.noClasses()
                    .that()
                    .resideOutsideOfPackage("io.weir.host.wasm..")
                    .should()
                    .dependOnClassesThat()
                    .haveSimpleNameStartingWith("Chicory");
}
