package io.weir.tools.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.weir.host.lifecycle.PackageRefused;
import io.weir.tools.admin.AdminRoutes;
import io.weir.tools.driver.DriverLifecycle;
import io.weir.tools.driver.DriverViews;
import io.weir.tools.driver.LiveDrivers;
import io.weir.tools.driver.Origin;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The admin API's driver endpoints, the same operations as {@code weir driver} on the data folder,
 * through {@link DriverLifecycle} with origin {@code api}:
 *
 * <ul>
 *   <li>{@code GET /drivers} — the registry and what runs;
 *   <li>{@code GET /drivers/audit?limit=N} — the audit log;
 *   <li>{@code POST /drivers/install?activate=BOOL&file=NAME} — the package as the body;
 *   <li>{@code POST /drivers/activate}, {@code /drivers/rollback}, {@code /drivers/remove} — {@code
 *       {"name": N, "version": V}}.
 * </ul>
 *
 * A refusal is 422 with {@code {"error": "…"}}. Compiling and self-testing a package takes seconds,
 * so every call runs on one thread of its own, in order, never on the event loop.
 */
public final class DriverEndpoints implements AdminRoutes {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DriverLifecycle lifecycle;
    private final LiveDrivers live;
    private final ExecutorService worker =
            Executors.newSingleThreadExecutor(
                    r -> {
                        Thread t = new Thread(r, "weir-admin-drivers");
                        t.setDaemon(true);
                        return t;
                    });

    /** The endpoints of a gateway's driver lifecycle over the drivers it runs. */
    public DriverEndpoints(DriverLifecycle lifecycle, LiveDrivers live) {
        this.lifecycle = lifecycle;
        this.live = live;
    }

    @Override
    public boolean handles(String path) {
        return path.equals("/drivers") || path.startsWith("/drivers/");
    }

    /** Answers a request under {@code /drivers}, off the event loop. */
    @Override
    public CompletableFuture<Answer> handle(
            FullHttpRequest req, String path, QueryStringDecoder uri) {
        // The body is read here, on the event loop, while the request is still valid.
        byte[] body = new byte[req.content().readableBytes()];
        req.content().getBytes(req.content().readerIndex(), body);
        HttpMethod method = req.method();
        return CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return answer(method, path, uri, body);
                    } catch (PackageRefused e) {
                        return error(HttpResponseStatus.UNPROCESSABLE_ENTITY, e.getMessage());
                    } catch (IOException | SQLException | RuntimeException e) {
                        return error(HttpResponseStatus.INTERNAL_SERVER_ERROR, e.toString());
                    }
                },
                worker);
    }

    private Answer answer(HttpMethod method, String path, QueryStringDecoder uri, byte[] body)
            throws PackageRefused, IOException, SQLException {
        DriverLifecycle lc = lifecycle;
        switch (path) {
            case "/drivers" -> {
                if (method != HttpMethod.GET) {
                    return error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET");
                }
                return ok(DriverViews.list(lc, live));
            }
            case "/drivers/audit" -> {
                if (method != HttpMethod.GET) {
                    return error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET");
                }
                int limit = 50;
                List<String> l = uri.parameters().get("limit");
                if (l != null && !l.isEmpty()) {
                    try {
                        limit = Math.max(1, Math.min(10_000, Integer.parseInt(l.get(0))));
                    } catch (NumberFormatException e) {
                        return error(HttpResponseStatus.BAD_REQUEST, "limit must be a number");
                    }
                }
                return ok(DriverViews.audit(lc.registry().audit(limit)));
            }
            case "/drivers/install" -> {
                if (method != HttpMethod.POST) {
                    return error(
                            HttpResponseStatus.METHOD_NOT_ALLOWED,
                            "use POST with the package as the body");
                }
                if (body.length == 0) {
                    return error(
                            HttpResponseStatus.BAD_REQUEST, "the body must be the package (.wdrv)");
                }
                String file = param(uri, "file", "upload.wdrv");
                boolean activate = Boolean.parseBoolean(param(uri, "activate", "false"));
                Path tmp = Files.createTempFile(lc.registry().dataDir(), ".upload", ".wdrv.part");
                try {
                    Files.write(tmp, body);
                    return ok(
                            DriverViews.install(
                                    lc.install(
                                            tmp,
                                            Path.of(file).getFileName().toString(),
                                            Origin.API,
                                            activate)));
                } finally {
                    Files.deleteIfExists(tmp);
                }
            }
            case "/drivers/activate", "/drivers/rollback", "/drivers/remove" -> {
                if (method != HttpMethod.POST) {
                    return error(HttpResponseStatus.METHOD_NOT_ALLOWED, "use POST");
                }
                JsonNode b;
                try {
                    b = JSON.readTree(new String(body, StandardCharsets.UTF_8));
                } catch (IOException e) {
                    return error(HttpResponseStatus.BAD_REQUEST, "body is not JSON");
                }
                boolean needsVersion = !path.endsWith("rollback");
                if (b == null
                        || !b.path("name").isTextual()
                        || (needsVersion && !b.path("version").isTextual())) {
                    return error(
                            HttpResponseStatus.BAD_REQUEST,
                            needsVersion
                                    ? "body must be {\"name\": N, \"version\": V}"
                                    : "body must be {\"name\": N}");
                }
                String name = b.get("name").asText();
                String version = b.path("version").asText(null);
                if (path.endsWith("activate")) {
                    return ok(
                            DriverViews.switched(
                                    name, version, lc.activate(name, version, Origin.API)));
                }
                if (path.endsWith("rollback")) {
                    List<String> s = lc.rollback(name, Origin.API, null);
                    String now =
                            lc.registry().activation(name).active().orElse(DriverLifecycle.BUNDLED);
                    return ok(DriverViews.switched(name, now, s));
                }
                lc.remove(name, version, Origin.API);
                return ok(Map.of("removed", name + " " + version));
            }
            default -> {
                return error(
                        HttpResponseStatus.NOT_FOUND,
                        "no such endpoint "
                                + path
                                + " (GET /drivers, GET /drivers/audit, POST /drivers/install,"
                                + " /drivers/activate, /drivers/rollback, /drivers/remove)");
            }
        }
    }

    private static String param(QueryStringDecoder uri, String name, String dflt) {
        List<String> v = uri.parameters().get(name);
        return v == null || v.isEmpty() ? dflt : v.get(0);
    }

    private static Answer ok(Map<String, Object> body) {
        return new Answer(HttpResponseStatus.OK, body);
    }

    private static Answer error(HttpResponseStatus status, String message) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("error", message);
        return new Answer(status, m);
    }

    @Override
    public void close() {
        worker.shutdownNow();
    }
}
