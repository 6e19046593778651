package io.weir.drivers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.weir.host.driver.DriverLimits;
import io.weir.host.lifecycle.VectorRunner;
import io.weir.host.wasm.ChicoryEngine;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Java vector runner on its test driver, vector-probe (sdk-assemblyscript/test/drivers): every
 * typo, unknown field or wrong expectation fails loudly, naming what was wrong. The Rust harness
 * (sdk-rust/src/testing/tests.rs) and the Node runner (sdk-assemblyscript/test/vectors.test.js) are
 * tested with the same cases.
 */
class VectorRunnerTest {

    private static VectorRunner.Hosts probe;
    private static VectorRunner.Hosts abi11;

    @BeforeAll
    static void load() throws Exception {
        probe = hosts("vector-probe");
        abi11 = hosts("abi11-probe");
    }

    private static VectorRunner.Hosts hosts(String name) throws Exception {
        Path wasm =
                DriverVectorsTest.root()
                        .resolve(
                                "sdk-assemblyscript/test/drivers/"
                                        + name
                                        + "/build/"
                                        + name
                                        + ".wasm");
        assertThat(wasm).as("build sdk-assemblyscript first (mvn install)").exists();
        return VectorRunner.Hosts.of(
                new ChicoryEngine(ChicoryEngine.Mode.COMPILED),
                name,
                Files.readAllBytes(wasm),
                DriverLimits.DEFAULT);
    }

    /** A file with one vector. */
    private static JsonNode one(String steps, String extraFields, String config) throws Exception {
        return VectorRunner.JSON.readTree(
                "{\"driver\":\"vector-probe\",\"vectors\":[{\"name\":\"v\",\"source\":\"test\","
                        + "\"config\":"
                        + VectorRunner.JSON.writeValueAsString(config)
                        + extraFields
                        + ",\"steps\":["
                        + steps
                        + "]}]}");
    }

    private static JsonNode one(String steps) throws Exception {
        return one(steps, "", "device\npoint 0\n");
    }

    private static void malformed(JsonNode doc, String message) {
        assertThatThrownBy(
                        () -> {
                            VectorRunner.check(doc);
                            VectorRunner.checkDriver(probe.module(1), doc);
                            VectorRunner.run(probe, doc.get("vectors").get(0));
                        })
                .isInstanceOf(VectorRunner.MalformedVector.class)
                .hasMessageContaining(message);
    }

    private static void fails(JsonNode doc, String message) {
        VectorRunner.check(doc);
        assertThatThrownBy(() -> VectorRunner.run(probe, doc.get("vectors").get(0)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(message);
    }

    @Test
    void sharedRunnerVectorsPass() throws Exception {
        JsonNode doc =
                VectorRunner.read(
                        DriverVectorsTest.root()
                                .resolve(
                                        "sdk-assemblyscript/test/drivers/vector-probe/vectors/runner.json"));
        VectorRunner.checkDriver(probe.module(1), doc);
        int n = 0;
        for (JsonNode v : doc.get("vectors")) {
            VectorRunner.run(probe, v);
            n++;
        }
        assertThat(n).isEqualTo(8);
    }

    @Test
    void unknownCallsAndFieldsFailLoudly() throws Exception {
        malformed(one("{\"call\":\"save_sate\"}"), "unknown call \"save_sate\"");
        // The text form of bytes (VECTORS.md): one byte a character, at most one form a step.
        malformed(
                one("{\"call\":\"frame_len\",\"hex\":\"00\",\"text\":\"A\",\"expect_len\":1}"),
                "a step has one of \"hex\", \"text\" and \"can\", not more");
        malformed(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\",\"expect_text\":\"\\u0001\\u0001\"}"),
                "a step has one of \"expect_hex\", \"expect_text\" and \"expect_can\", not more");
        malformed(
                one("{\"call\":\"frame_len\",\"text\":\"\u20ac\",\"expect_len\":1}"),
                "\"text\" character 0 is U+20AC, above U+00FF");
        fails(
                one("{\"call\":\"poll\",\"expect_text\":\"\\u0001\\u0002\"}"),
                "request bytes differ\n  expected: \"\\u0001\\u0002\"\n  actual:   \"\\u0001\\u0001\"");
        malformed(
                one("{\"call\":\"frame_len\",\"hex\":\"08\",\"expect_len\":0,\"expect_nede\":0}"),
                "unknown field \"expect_nede\"");
        malformed(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"}",
                        ",\"expect_open_eror\":\"E_CONFIG\"",
                        "device\n"),
                "unknown field \"expect_open_eror\"");
        malformed(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"},{\"call\":\"frame\",\"hex\":\"080107\","
                                + "\"expect\":[{\"point\":0,\"type\":\"u64\",\"value\":7,\"quality\":\"GOOD\",\"ts\":1}]}"),
                "unknown field \"ts\"");
        malformed(
                VectorRunner.JSON.readTree(
                        "{\"driver\":\"vector-probe\",\"vector\":[],\"vectors\":[]}"),
                "file: unknown field \"vector\"");
        assertThatThrownBy(
                        () ->
                                VectorRunner.JSON.readTree(
                                        "{\"call\":\"poll\",\"expect_hex\":\"0101\",\"expect_hex\":\"0102\"}"))
                .hasMessageContaining("Duplicate field 'expect_hex'");
        malformed(
                VectorRunner.JSON.readTree(
                        "{\"driver\":\"modbus\",\"vectors\":[{\"name\":\"v\",\"source\":\"t\",\"config\":\"device\\n\",\"steps\":[{\"call\":\"poll\",\"expect_hex\":\"0101\"}]}]}"),
                "manifest name is \"vector-probe\"");
        malformed(
                one("{\"call\":\"poll\",\"expect_error\":\"E_NODEVICE\"}"),
                "unknown ABI error name \"E_NODEVICE\"");
        malformed(
                one(
                        "{\"call\":\"write\",\"point\":0,\"type\":\"string\",\"value\":\"x\",\"expect_hex\":\"\"}"),
                "unknown write type \"string\"");
        malformed(
                one(
                        "{\"call\":\"write\",\"point\":0,\"type\":\"bytes\",\"value\":\"0g\",\"expect_hex\":\"\"}"),
                "is not an even-length hex string");
        malformed(
                one("{\"call\":\"frame_len\",\"hex\":\"0800\",\"expect_len\":2,\"expect_need\":2}"),
                "\"expect_need\" needs \"expect_len\": 0");
        malformed(
                one("{\"call\":\"frame_len\",\"hex\":\"0800\",\"expect_len\":0,\"expect_skip\":1}"),
                "\"expect_skip\" needs \"expect_error\": \"E_RESYNC\"");
        malformed(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"},{\"call\":\"frame\",\"hex\":\"010107\","
                                + "\"expect\":[{\"point\":0,\"type\":\"u64\",\"value\":7,\"quality\":\"FINE\"}]}"),
                "unknown quality name \"FINE\"");
        malformed(one(""), "\"steps\" is empty");
        malformed(
                one(
                        "{\"call\":\"frame\",\"hex\":\"010107\",\"expect_error\":\"E_ORDER\",\"expect\":[]}"),
                "\"expect_error\" excludes \"expect\"");
        malformed(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"}",
                        ",\"expect_last_error\":\"x\"",
                        "device\n"),
                "needs \"expect_open_error\"");
        malformed(one("{\"call\":\"reopen_with_state\"}"), "no state to load");
    }

    @Test
    void wrongExpectationsFail() throws Exception {
        fails(
                one("", ",\"expect_open_error\":\"E_CONFIG\"", "device\n"),
                "expected E_CONFIG, but weir_open returned 0");
        fails(
                one("", ",\"expect_open_error\":\"E_INVAL\"", "device refuse=1\n"),
                "open: expected E_INVAL, got E_CONFIG");
        fails(
                one(
                        "",
                        ",\"expect_open_error\":\"E_CONFIG\",\"expect_last_error\":\"refuse=2\"",
                        "device refuse=1\n"),
                "last_error does not contain \"refuse=2\"");
        fails(
                one("{\"call\":\"poll\",\"expect_hex\":\"0101\"}", "", "device refuse=1\n"),
                "open failed with E_CONFIG");
        fails(
                one("{\"call\":\"frame_len\",\"hex\":\"0803\",\"expect_len\":0,\"expect_need\":4}"),
                "meta.need: expected 4, actual 5");
        fails(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"},{\"call\":\"frame\",\"hex\":\"010107\","
                                + "\"expect\":[{\"point\":0,\"type\":\"u64\",\"value\":7,\"quality\":\"GOOD\",\"ts_us\":1700000000123456}]}"),
                "flag DEVICE_TS clear");
        fails(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"},{\"call\":\"frame\",\"hex\":\"080107\","
                                + "\"expect\":[{\"point\":0,\"type\":\"u64\",\"value\":7,\"quality\":\"GOOD\"}]}"),
                "expected no device timestamp");
        fails(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"},{\"call\":\"frame\",\"hex\":\"080107\","
                                + "\"expect\":[{\"point\":0,\"type\":\"u64\",\"value\":7,\"quality\":\"GOOD\",\"ts_us\":1700000000123457}]}"),
                "expected ts_us 1700000000123457, actual 1700000000123456");
        fails(
                one("{\"call\":\"save_state\",\"expect_hex\":\"0300000002\"}"),
                "state payload differs");
        fails(
                one("{\"call\":\"save_state\",\"expect_len\":4}"),
                "state payload length: expected 4, actual 5");
        fails(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"},{\"call\":\"save_state\"},"
                                + "{\"call\":\"reopen_with_state\"},{\"call\":\"poll\",\"expect_hex\":\"0101\"}"),
                "expected: \"0101\"\n  actual:   \"0102\"");
        fails(
                one(
                        "{\"call\":\"reopen_with_state\",\"hex\":\"0300000001\",\"expect_error\":\"E_SCHEMA\"}"),
                "expected E_SCHEMA, but the call succeeded");
        fails(
                one(
                        "{\"call\":\"write\",\"point\":0,\"type\":\"str\",\"value\":\"ab\",\"expect_hex\":\"2061\"}"),
                "expected: \"2061\"\n  actual:   \"206162\"");
        fails(
                one(
                        "{\"call\":\"write\",\"point\":0,\"type\":\"bytes\",\"value\":\"AB\",\"expect_hex\":\"21AB\"}"),
                "actual:   \"21ab\"");
    }

    @Test
    void v11CallsAndFieldsNeedAV11Vector() throws Exception {
        malformed(
                one("{\"call\":\"link_up\"}"),
                "call \"link_up\" needs a vector with \"host_abi\": \"1.1\"");
        malformed(
                one("{\"call\":\"frame_len\",\"can\":\"123#00\",\"expect_len\":9}"),
                "field \"can\" needs a vector with \"host_abi\": \"1.1\"");
        malformed(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"}",
                        ",\"host_abi\":\"1.2\"",
                        "device\n"),
                "\"host_abi\" must be \"1.0\" or \"1.1\"");
        malformed(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\",\"at_ms\":5},{\"call\":\"poll\",\"expect_hex\":\"0102\",\"at_ms\":4}"),
                "\"at_ms\" 4 goes back in time");
        malformed(
                one(
                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"}",
                        "",
                        "device weir.transport=tcp\n"),
                "the agreed version is 1.0, but the config holds a weir. key");
    }

    /** A file with one vector for a v1.1 host, of abi11-probe. */
    private static JsonNode one11(String steps, String config) throws Exception {
        return VectorRunner.JSON.readTree(
                "{\"driver\":\"abi11-probe\",\"vectors\":[{\"name\":\"v\",\"source\":\"test\","
                        + "\"host_abi\":\"1.1\",\"config\":"
                        + VectorRunner.JSON.writeValueAsString(config)
                        + ",\"steps\":["
                        + steps
                        + "]}]}");
    }

    private static JsonNode one11(String steps) throws Exception {
        return one11(steps, "device weir.transport=tcp\npoint 0\npoint 1\n");
    }

    private static void fails11(JsonNode doc, String message) {
        VectorRunner.check(doc);
        assertThatThrownBy(() -> VectorRunner.run(abi11, doc.get("vectors").get(0)))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining(message);
    }

    private static void malformed11(JsonNode doc, String message) {
        assertThatThrownBy(
                        () -> {
                            VectorRunner.check(doc);
                            VectorRunner.run(abi11, doc.get("vectors").get(0));
                        })
                .isInstanceOf(VectorRunner.MalformedVector.class)
                .hasMessageContaining(message);
    }

    private static final String SETUP =
            "{\"call\":\"link_up\"},{\"call\":\"poll\",\"expect_hex\":\"0153\"},"
                    + "{\"call\":\"frame\",\"hex\":\"027302\",\"expect\":[]},"
                    + "{\"call\":\"poll\",\"expect_hex\":\"0452010002\"}";

    @Test
    void v11VectorsRunAsAV11Host() throws Exception {
        JsonNode doc =
                one11(
                        "{\"call\":\"link_up\"},{\"call\":\"poll\",\"expect_hex\":\"0153\"},"
                                + "{\"call\":\"frame_len\",\"hex\":\"027302\",\"expect_len\":3,"
                                + "\"expect_corr\":94976}");
        VectorRunner.check(doc);
        VectorRunner.run(abi11, doc.get("vectors").get(0));
        assertThat(abi11.module(1).agreedMinor()).isEqualTo(1);
    }

    @Test
    void wrongV11ExpectationsFail() throws Exception {
        fails11(
                one11(
                        "{\"call\":\"link_up\"},{\"call\":\"poll\",\"expect_hex\":\"0153\"},"
                                + "{\"call\":\"frame_len\",\"hex\":\"027302\",\"expect_len\":3,"
                                + "\"expect_corr\":1}"),
                "meta.corr: expected 0x1, actual 0x17300");
        fails11(
                one11(
                        SETUP
                                + ",{\"call\":\"frame\",\"hex\":\"024503\",\"expect\":[{\"device_status\":true,"
                                + "\"type\":\"u64\",\"value\":3,\"quality\":\"BAD_DEVICE\"}]}"),
                "meta.frame_flags: expected [], actual [NOT_ANSWER]");
        fails11(
                one11(
                        SETUP
                                + ",{\"call\":\"frame\",\"hex\":\"024503\",\"expect\":[{\"point\":0,"
                                + "\"type\":\"u64\",\"value\":3,\"quality\":\"BAD_DEVICE\"}],"
                                + "\"expect_frame_flags\":[\"NOT_ANSWER\"]}"),
                "expected no device status, actual flag DEVICE_STATUS");
        fails11(
                one11(
                        "{\"call\":\"write\",\"point\":1,\"type\":\"u64\",\"value\":7,"
                                + "\"expect_hex\":\"0457010107\"},{\"call\":\"frame\","
                                + "\"hex\":\"0477010107\",\"expect\":[{\"point\":1,\"type\":\"u64\","
                                + "\"value\":7,\"quality\":\"GOOD\"}]}"),
                "expected a reading, actual flag WRITE_RESULT set");
        JsonNode agreed =
                VectorRunner.JSON.readTree(
                        one11("{\"call\":\"link_up\"}")
                                .toString()
                                .replace(
                                        "\"host_abi\":\"1.1\"",
                                        "\"host_abi\":\"1.1\",\"expect_agreed\":\"1.0\""));
        fails11(agreed, "agreed version: expected 1.0, actual 1.1");
    }

    @Test
    void malformedV11VectorsFailLoudly() throws Exception {
        malformed11(
                one11("{\"call\":\"link_up\"}", "device\npoint 0\n"),
                "lacks the host key weir.transport");
        malformed11(
                one11("{\"call\":\"link_up\"}", "device weir.transport=tcp unit=1\n"),
                "the host keys come last on the device line");
        malformed11(
                one11(
                        "{\"call\":\"frame_len\",\"hex\":\"0273\",\"expect_len\":0,\"expect_corr\":1}"),
                "\"expect_corr\" needs \"expect_len\" > 0");
        malformed11(
                one11("{\"call\":\"frame\",\"hex\":\"02\",\"can\":\"123#00\",\"expect\":[]}"),
                "a step has one of \"hex\", \"text\" and \"can\", not more");
        malformed11(
                one11(
                        "{\"call\":\"frame\",\"hex\":\"02\",\"expect\":[],"
                                + "\"expect_frame_flags\":[\"NOT_AN_ANSWER\"]}"),
                "unknown frame flag \"NOT_AN_ANSWER\"");
        malformed11(
                one11(
                        "{\"call\":\"tick\",\"expect\":[{\"device_status\":true,\"point\":0,"
                                + "\"type\":\"null\",\"value\":null,\"quality\":\"GOOD\"}]}"),
                "a device status has neither \"point\" nor \"name\"");
        malformed11(one11("{\"call\":\"poll\",\"expect_can\":[\"12#00\"]}"), "12#00");
        malformed11(
                one11("{\"call\":\"frame_end\",\"hex\":\"0273\"}"),
                "a frame_end step has exactly one of \"expect_len\" and \"expect_error\"");
    }

    @Test
    void openAtMsAndExpectResponseAreChecked() throws Exception {
        VectorRunner.run(
                probe,
                one("{\"call\":\"poll\",\"expect_hex\":\"0101\"},{\"call\":\"open\",\"at_ms\":3},"
                                + "{\"call\":\"poll\",\"expect_hex\":\"0101\",\"expect_response\":true}")
                        .get("vectors")
                        .get(0));
        assertThatThrownBy(
                        () ->
                                VectorRunner.run(
                                        probe,
                                        one("{\"call\":\"poll\",\"expect_hex\":\"0101\",\"expect_response\":false}")
                                                .get("vectors")
                                                .get(0)))
                .hasMessageContaining("meta.expect: expected 0, actual 1");
        assertThatThrownBy(
                        () ->
                                VectorRunner.run(
                                        probe,
                                        one(
                                                        "{\"call\":\"poll\",\"expect_hex\":\"0101\"},{\"call\":\"frame\",\"hex\":\"010107\",\"expect\":[{\"point\":0,\"type\":\"u64\",\"value\":7,\"quality\":\"GOOD\"}]}",
                                                        "",
                                                        "device\n")
                                                .get("vectors")
                                                .get(0)))
                .hasMessageContaining("outside the point map of 0 points (ABI §9)");
    }
}
