package io.weir.tools.admin;

import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * More endpoints for the admin API, served after its own (e.g. the driver lifecycle's {@code
 * /drivers}), so that the API does not depend on the packages that implement them.
 */
public interface AdminRoutes extends AutoCloseable {
    /** A response: status and JSON body. */
    record Answer(HttpResponseStatus status, Map<String, Object> body) {}

    /** No more endpoints. */
    AdminRoutes NONE =
            new AdminRoutes() {
                @Override
                public boolean handles(String path) {
                    return false;
                }

                @Override
                public CompletableFuture<Answer> handle(
                        FullHttpRequest req, String path, QueryStringDecoder uri) {
                    throw new IllegalStateException("no endpoint " + path);
                }

                @Override
                public void close() {}
            };

    /** Whether {@code path} is one of these endpoints. */
    boolean handles(String path);

    /**
     * Answers an authenticated request for one of these endpoints; called on the event loop, so
     * slow work must go elsewhere. The request is valid only during the call.
     */
    CompletableFuture<Answer> handle(FullHttpRequest req, String path, QueryStringDecoder uri);

    @Override
    void close();
}
