package io.weir.host.io;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** A transport of {@link FakeLink}s that claims one scheme; tests reach each link by address. */
public final class FakeTransport implements Transport {
    private final String scheme;
    private final String kind;
    private final Map<String, FakeLink> links = new LinkedHashMap<>();
    private boolean closed;

    public FakeTransport(String scheme, String kind) {
        this.scheme = scheme;
        this.kind = kind;
    }

    /** Claims {@code tcp:} for drivers whose transport is tcp. */
    public FakeTransport() {
        this("tcp", "tcp");
    }

    @Override
    public Set<String> schemes() {
        return Set.of(scheme);
    }

    @Override
    public String kind() {
        return kind;
    }

    @Override
    public synchronized FakeLink open(LinkAddress address) {
        FakeLink l = new FakeLink(address.toString());
        links.put(address.toString(), l);
        return l;
    }

    public synchronized FakeLink link(String address) {
        return links.get(LinkAddress.parse(address).toString());
    }

    public boolean closed() {
        return closed;
    }

    @Override
    public void close() {
        closed = true;
    }
}
