package io.weir.tools.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.weir.host.lifecycle.DriverPackage;
import io.weir.host.points.Value;
import io.weir.host.poll.WriteResult;
import io.weir.tools.cli.HostPort;
import io.weir.tools.gateway.Gateway;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The admin API of a running gateway, on Netty's HTTP codec (no hand-written HTTP): {@code GET
 * /status}, {@code GET /points[?device=D]}, {@code POST /write} and {@code GET /metrics}
 * (Prometheus text format). Every request carries {@code Authorization: Bearer TOKEN} with the
 * token of the data folder; the default address is loopback.
 */
public final class AdminServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("weir.admin");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventLoopGroup group;
    private final Channel channel;
    private final HostPort address;
    private final AdminRoutes routes;

    private AdminServer(
            EventLoopGroup group, Channel channel, HostPort address, AdminRoutes routes) {
        this.group = group;
        this.channel = channel;
        this.address = address;
        this.routes = routes;
    }

    /**
     * Listens on {@code listen} (port 0: any free port).
     *
     * @throws IOException naming the address when it cannot be bound
     */
    public static AdminServer start(
            HostPort listen,
            AdminToken token,
            Gateway gateway,
            GatewayMetrics metrics,
            AdminRoutes routes)
            throws IOException {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        try {
            Channel ch =
                    new ServerBootstrap()
                            .group(group)
                            .channel(NioServerSocketChannel.class)
                            .childHandler(
                                    new ChannelInitializer<SocketChannel>() {
                                        @Override
                                        protected void initChannel(SocketChannel c) {
                                            c.pipeline()
                                                    .addLast(new HttpServerCodec())
                                                    // Driver packages are uploaded whole.
                                                    .addLast(
                                                            new HttpObjectAggregator(
                                                                    (int)
                                                                            DriverPackage
                                                                                    .MAX_FILE_BYTES))
                                                    .addLast(
                                                            new Handler(
                                                                    token, gateway, metrics,
                                                                    routes));
                                        }
                                    })
                            .bind(listen.host(), listen.port())
                            .sync()
                            .channel();
            InetSocketAddress bound = (InetSocketAddress) ch.localAddress();
            return new AdminServer(group, ch, new HostPort(listen.host(), bound.getPort()), routes);
        } catch (Exception e) {
            routes.close();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
            String why = e instanceof BindException ? e.getMessage().toLowerCase() : e.toString();
            throw new IOException("admin API: cannot listen on " + listen + ": " + why, e);
        }
    }

    /** Where it listens (with the real port when 0 was asked for). */
    public HostPort address() {
        return address;
    }

    @Override
    public void close() {
        routes.close();
        channel.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
    }

    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final AdminToken token;
        private final Gateway gateway;
        private final GatewayMetrics metrics;
        private final AdminRoutes routes;

        Handler(AdminToken token, Gateway gateway, GatewayMetrics metrics, AdminRoutes routes) {
            this.token = token;
            this.gateway = gateway;
            this.metrics = metrics;
            this.routes = routes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            if (!req.decoderResult().isSuccess()) {
                json(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, error("malformed request"));
                return;
            }
            if (!token.accepts(req.headers().get(HttpHeaderNames.AUTHORIZATION))) {
                json(
                        ctx,
                        keepAlive,
                        HttpResponseStatus.UNAUTHORIZED,
                        error("a bearer token is required: the admin.token file of the data_dir"));
                return;
            }
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            String path = uri.path();
            try {
                switch (path) {
                    case "/status" -> {
                        if (get(ctx, req, keepAlive)) {
                            json(
                                    ctx,
                                    keepAlive,
                                    HttpResponseStatus.OK,
                                    GatewayStatus.status(gateway));
                        }
                    }
                    case "/points" -> {
                        if (get(ctx, req, keepAlive)) {
                            List<String> d = uri.parameters().get("device");
                            String device = d == null || d.isEmpty() ? null : d.get(0);
                            if (device != null && gateway.kernel().session(device) == null) {
                                json(
                                        ctx,
                                        keepAlive,
                                        HttpResponseStatus.NOT_FOUND,
                                        error("no device named \"" + device + "\""));
                            } else {
                                json(
                                        ctx,
                                        keepAlive,
                                        HttpResponseStatus.OK,
                                        GatewayStatus.points(gateway, device));
                            }
                        }
                    }
                    case "/metrics" -> {
                        if (get(ctx, req, keepAlive)) {
                            send(
                                    ctx,
                                    keepAlive,
                                    HttpResponseStatus.OK,
                                    metrics.contentType(),
                                    metrics.scrape());
                        }
                    }
                    case "/write" -> write(ctx, req, keepAlive);
                    default -> {
                        if (routes.handles(path)) {
                            routes.handle(req, path, uri)
                                    .thenAccept(
                                            a ->
                                                    ctx.executor()
                                                            .execute(
                                                                    () ->
                                                                            json(
                                                                                    ctx,
                                                                                    keepAlive,
                                                                                    a.status(),
                                                                                    a.body())));
                            return;
                        }
                        json(
                                ctx,
                                keepAlive,
                                HttpResponseStatus.NOT_FOUND,
                                error(
                                        "no such endpoint "
                                                + path
                                                + " (GET /status, GET /points, POST /write, GET"
                                                + " /metrics, /drivers)"));
                    }
                }
            } catch (IOException | RuntimeException e) {
                LOG.log(Level.WARNING, "admin API {0}: {1}", path, e.toString());
                json(ctx, keepAlive, HttpResponseStatus.INTERNAL_SERVER_ERROR, error(e.toString()));
            }
        }

        private boolean get(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
            if (req.method() == HttpMethod.GET) {
                return true;
            }
            json(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, error("use GET"));
            return false;
        }

        private void write(ChannelHandlerContext ctx, FullHttpRequest req, boolean keepAlive) {
            if (req.method() != HttpMethod.POST) {
                json(ctx, keepAlive, HttpResponseStatus.METHOD_NOT_ALLOWED, error("use POST"));
                return;
            }
            JsonNode body;
            try {
                body = JSON.readTree(req.content().toString(StandardCharsets.UTF_8));
            } catch (IOException e) {
                json(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, error("body is not JSON"));
                return;
            }
            if (body == null
                    || !body.isObject()
                    || !body.path("device").isTextual()
                    || !body.path("point").isTextual()
                    || !body.has("value")) {
                json(
                        ctx,
                        keepAlive,
                        HttpResponseStatus.BAD_REQUEST,
                        error("body must be {\"device\": D, \"point\": P, \"value\": V}"));
                return;
            }
            Value value;
            try {
                value = WriteValues.fromJson(body.get("value"));
            } catch (IllegalArgumentException e) {
                json(ctx, keepAlive, HttpResponseStatus.BAD_REQUEST, error(e.getMessage()));
                return;
            }
            String device = body.get("device").asText();
            String point = body.get("point").asText();
            try {
                gateway.kernel()
                        .write(device, point, value)
                        .whenComplete(
                                (r, e) ->
                                        ctx.executor()
                                                .execute(
                                                        () -> {
                                                            if (e != null) {
                                                                json(
                                                                        ctx,
                                                                        keepAlive,
                                                                        HttpResponseStatus
                                                                                .INTERNAL_SERVER_ERROR,
                                                                        error(e.toString()));
                                                            } else {
                                                                json(
                                                                        ctx,
                                                                        keepAlive,
                                                                        statusOf(r),
                                                                        result(r));
                                                            }
                                                        }));
            } catch (IllegalArgumentException e) {
                json(ctx, keepAlive, HttpResponseStatus.NOT_FOUND, error(e.getMessage()));
            }
        }

        private static HttpResponseStatus statusOf(WriteResult r) {
            return switch (r.outcome()) {
                case ACKNOWLEDGED -> HttpResponseStatus.OK;
                case DEVICE_EXCEPTION -> HttpResponseStatus.CONFLICT;
                case REFUSED -> HttpResponseStatus.UNPROCESSABLE_ENTITY;
                case TIMEOUT -> HttpResponseStatus.GATEWAY_TIMEOUT;
                case LINK_DOWN, UNAVAILABLE -> HttpResponseStatus.SERVICE_UNAVAILABLE;
            };
        }

        private static Map<String, Object> result(WriteResult r) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("outcome", r.outcome().name().toLowerCase());
            m.put("detail", r.detail());
            m.put("exception_code", r.exceptionCode() < 0 ? null : r.exceptionCode());
            return m;
        }

        private static Map<String, Object> error(String message) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("error", message);
            return m;
        }

        private static void json(
                ChannelHandlerContext ctx,
                boolean keepAlive,
                HttpResponseStatus status,
                Map<String, Object> body) {
            byte[] bytes;
            try {
                bytes = JSON.writeValueAsBytes(body);
            } catch (IOException e) {
                bytes = ("{\"error\":\"cannot write JSON\"}").getBytes(StandardCharsets.UTF_8);
            }
            send(ctx, keepAlive, status, "application/json", bytes);
        }

        private static void send(
                ChannelHandlerContext ctx,
                boolean keepAlive,
                HttpResponseStatus status,
                String contentType,
                byte[] body) {
            FullHttpResponse res =
                    new DefaultFullHttpResponse(
                            HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
            HttpUtil.setContentLength(res, body.length);
            if (keepAlive) {
                res.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
                ctx.writeAndFlush(res);
            } else {
                ctx.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.log(Level.DEBUG, "admin connection: {0}", cause.toString());
            ctx.close();
        }
    }
}
