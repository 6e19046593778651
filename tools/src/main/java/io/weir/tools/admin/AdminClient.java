package io.weir.tools.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weir.tools.cli.HostPort;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The CLI's side of the admin API: {@code weir status}, {@code weir points}, {@code weir write}.
 */
public final class AdminClient {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: the HTTP status and the JSON body. */
    public record Reply(int status, JsonNode body) {
        public boolean ok() {
            return status / 100 == 2;
        }
    }

    private final HostPort address;
    private final AdminToken token;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    public AdminClient(HostPort address, AdminToken token) {
        this.address = address;
        this.token = token;
    }

    public Reply status() throws IOException {
        return get("/status");
    }

    public Reply points(String device) throws IOException {
        return get(
                device == null
                        ? "/points"
                        : "/points?device=" + URLEncoder.encode(device, StandardCharsets.UTF_8));
    }

    /** Raw Prometheus text. */
    public String metrics() throws IOException {
        return send(request("/metrics").GET().build()).body();
    }

    public Reply write(String device, String point, JsonNode value) throws IOException {
        byte[] body =
                JSON.writeValueAsBytes(Map.of("device", device, "point", point, "value", value));
        HttpRequest r =
                request("/write")
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(70))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                        .build();
        return reply(send(r));
    }

    /** {@code GET /drivers}: the driver registry and what runs. */
    public Reply drivers() throws IOException {
        return get("/drivers");
    }

    /** {@code GET /drivers/audit?limit=N}. */
    public Reply driverAudit(int limit) throws IOException {
        return get("/drivers/audit?limit=" + limit);
    }

    /**
     * {@code POST /drivers/install}: uploads a package; the gateway runs the whole install path
     * (compile and self-test take a few seconds).
     */
    public Reply installDriver(java.nio.file.Path file, boolean activate) throws IOException {
        HttpRequest r =
                request(
                                "/drivers/install?activate="
                                        + activate
                                        + "&file="
                                        + URLEncoder.encode(
                                                file.getFileName().toString(),
                                                StandardCharsets.UTF_8))
                        .header("Content-Type", "application/octet-stream")
                        .timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.ofFile(file))
                        .build();
        return reply(send(r));
    }

    /** {@code POST /drivers/ACTION} with {@code {"name": N, "version": V}}. */
    public Reply driverAction(String action, String name, String version) throws IOException {
        Map<String, String> m = new java.util.LinkedHashMap<>();
        m.put("name", name);
        if (version != null) {
            m.put("version", version);
        }
        HttpRequest r =
                request("/drivers/" + action)
                        .header("Content-Type", "application/json")
                        .timeout(Duration.ofSeconds(120))
                        .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(m)))
                        .build();
        return reply(send(r));
    }

    private Reply get(String path) throws IOException {
        return reply(send(request(path).GET().build()));
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://" + address + path))
                .timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token.value());
    }

    private HttpResponse<String> send(HttpRequest r) throws IOException {
        try {
            return http.send(r, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException e) {
            throw new IOException(
                    "no gateway answers on http://" + address + " (is `weir run` running?)", e);
        } catch (HttpTimeoutException e) {
            throw new IOException(
                    "the gateway on http://" + address + " did not answer in time", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    private Reply reply(HttpResponse<String> r) throws IOException {
        JsonNode body;
        try {
            body = JSON.readTree(r.body());
        } catch (IOException e) {
            throw new IOException(
                    "http://"
                            + address
                            + " answered "
                            + r.statusCode()
                            + " with a body that is not JSON");
        }
        if (r.statusCode() == 401) {
            throw new IOException(
                    "the gateway on http://"
                            + address
                            + " refused the admin token: "
                            + body.path("error").asText());
        }
        return new Reply(r.statusCode(), body);
    }
}
