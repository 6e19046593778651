package io.weir.tools.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class ScalePlotTest {

    private static Document parse(String svg) throws Exception {
        return DocumentBuilderFactory.newInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aPointPerValueOnLogAxesWithAGapWhereASideDidNotRun() throws Exception {
        String svg =
                ScalePlot.svg(
                        "latency <&> \"N\"",
                        List.of(100, 1000, 10000),
                        List.of(
                                new ScalePlot.Series(
                                        "a p99", "#c00", null, List.of(1.0, 10.0, 100.0)),
                                new ScalePlot.Series(
                                        "b p99", "#00c", "6 4", List.of(0.1, 0.0, 0.1))));
        Document d = parse(svg);
        NodeList circles = d.getElementsByTagName("circle");
        assertThat(circles.getLength()).isEqualTo(5);
        // Log axes: equal ratios are equal steps, on both axes.
        double[] x = new double[3];
        double[] y = new double[3];
        for (int i = 0; i < 3; i++) {
            Element c = (Element) circles.item(i);
            x[i] = Double.parseDouble(c.getAttribute("cx"));
            y[i] = Double.parseDouble(c.getAttribute("cy"));
        }
        assertThat(x[1] - x[0]).isCloseTo(x[2] - x[1], org.assertj.core.data.Offset.offset(0.2));
        assertThat(y[0] - y[1]).isCloseTo(y[1] - y[2], org.assertj.core.data.Offset.offset(0.2));
        assertThat(y[2]).isLessThan(y[0]); // more latency is higher up
        // The second series has a gap: two moves and no line between them.
        NodeList paths = d.getElementsByTagName("path");
        assertThat(paths.getLength()).isEqualTo(2);
        String gapped = ((Element) paths.item(1)).getAttribute("d");
        assertThat(gapped).startsWith("M").contains(" M").doesNotContain("L");
        assertThat(((Element) paths.item(1)).getAttribute("stroke-dasharray")).isEqualTo("6 4");
        // The title is escaped; it parsed, and reads back as given.
        assertThat(d.getElementsByTagName("text").item(0).getTextContent())
                .isEqualTo("latency <&> \"N\"");
        assertThat(svg).contains("<title>a p99 at 10,000 devices: 100 ms</title>");
    }

    @Test
    void oneCountStillPlots() throws Exception {
        Document d =
                parse(
                        ScalePlot.svg(
                                "one",
                                List.of(500),
                                List.of(new ScalePlot.Series("x", "#000", null, List.of(2.5)))));
        assertThat(d.getElementsByTagName("circle").getLength()).isEqualTo(1);
    }

    @Test
    void aSeriesOfTheWrongLengthOrNoCountIsRefused() {
        assertThatThrownBy(
                        () ->
                                ScalePlot.svg(
                                        "t",
                                        List.of(1, 2),
                                        List.of(
                                                new ScalePlot.Series(
                                                        "s", "#000", null, List.of(1.0)))))
                .hasMessage("series s has 1 values for 2 device counts");
        assertThatThrownBy(() -> ScalePlot.svg("t", List.of(), List.of()))
                .hasMessage("a plot needs at least one device count");
    }

    @Test
    void latenciesReadAsPeopleWriteThem() {
        assertThat(ScalePlot.number(0.01)).isEqualTo("0.01");
        assertThat(ScalePlot.number(0.5)).isEqualTo("0.5");
        assertThat(ScalePlot.number(1)).isEqualTo("1");
        assertThat(ScalePlot.number(2.25)).isEqualTo("2.25");
        assertThat(ScalePlot.number(12.4)).isEqualTo("12");
        assertThat(ScalePlot.number(250)).isEqualTo("250");
    }
}
