package io.onehaul.oned;

import io.onehaul.oned.OnedException.Kind;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.xmlrpc.XmlRpcException;
import org.apache.xmlrpc.client.XmlRpcClient;
import org.apache.xmlrpc.client.XmlRpcClientConfigImpl;
import org.apache.xmlrpc.client.XmlRpcClientException;
import org.apache.xmlrpc.client.XmlRpcHttpTransportException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xml.sax.SAXException;

/**
 * The untyped layer: one XML-RPC call with the session first, oned's {@code [ok, value, code, ...]}
 * convention unpacked, and every Apache XML-RPC exception mapped to an {@link OnedException} kind.
 * Parameters go out as their Java types: Integer as {@code <i4>}, Boolean as {@code <boolean>},
 * String as an untagged {@code <value>} (what oned 7.5.80 accepted in the recorded fixtures).
 */
final class OnedRpc {
    private static final Logger LOG = LoggerFactory.getLogger(OnedRpc.class);

    private final OnedEndpoint endpoint;
    private final XmlRpcClient client;
    private final long connectMillis;
    private final long replyMillis;

    OnedRpc(OnedEndpoint endpoint, Duration connectTimeout, Duration replyTimeout) {
        this.endpoint = endpoint;
        this.connectMillis = positiveMillis(connectTimeout, "connect timeout");
        this.replyMillis = positiveMillis(replyTimeout, "reply timeout");
        XmlRpcClientConfigImpl config = new XmlRpcClientConfigImpl();
        config.setServerURL(endpoint.url());
        config.setEnabledForExtensions(true); // as the Java OCA; needed for i8 support in Apache XML-RPC
        config.setConnectionTimeout((int) connectMillis);
        config.setReplyTimeout((int) replyMillis);
        // Buffered body, no gzip: OnedTransportFactory relies on knowing the exact length.
        config.setContentLengthOptional(false);
        config.setGzipCompressing(false);
        client = new XmlRpcClient();
        client.setConfig(config);
        client.setTypeFactory(new OnedTypeFactory(client));
        client.setTransportFactory(new OnedTransportFactory(client));
    }

    private static long positiveMillis(Duration d, String what) {
        if (d == null || d.isNegative() || d.isZero() || d.toMillis() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(what + " must be positive and below 24 days: " + d);
        }
        return Math.max(1, d.toMillis());
    }

    OnedEndpoint endpoint() {
        return endpoint;
    }

    String callString(String method, Object... params) {
        Object v = call(method, params);
        if (v instanceof String s) {
            return s;
        }
        throw malformed(method, "expected a string value, got " + describe(v), null);
    }

    int callInt(String method, Object... params) {
        Object v = call(method, params);
        if (v instanceof Integer i) {
            return i;
        }
        throw malformed(method, "expected an int value, got " + describe(v), null);
    }

    /** Returns element [1] of a successful reply; throws for everything else. */
    Object call(String method, Object... params) {
        List<Object> args = new ArrayList<>(params.length + 1);
        args.add(endpoint.session());
        for (Object p : params) {
            if (!(p instanceof Integer || p instanceof Boolean || p instanceof String)) {
                // oned checks types strictly; anything else would be a fault at best
                throw new IllegalArgumentException(method + ": unsupported parameter type " + describe(p));
            }
            args.add(p);
        }
        long start = System.nanoTime();
        Object result;
        try {
            result = client.execute(method, args);
        } catch (XmlRpcException e) {
            OnedException mapped = classify(method, e);
            LOG.debug("{} at {}: {} after {} ms", method, endpoint.displayUrl(), mapped.kind(), elapsed(start));
            throw mapped;
        }
        LOG.debug("{} at {}: reply after {} ms", method, endpoint.displayUrl(), elapsed(start));
        return unpack(method, result);
    }

    private Object unpack(String method, Object result) {
        if (!(result instanceof Object[] a) || a.length < 2 || !(a[0] instanceof Boolean ok)) {
            throw malformed(method, "expected an array [success, value, code, ...], got " + describe(result), null);
        }
        if (ok) {
            return a[1];
        }
        int code = a.length > 2 && a[2] instanceof Integer c ? c : 0;
        int objectId = a.length > 3 && a[3] instanceof Integer o ? o : -1;
        throw OnedException.apiFailure(method, redact(String.valueOf(a[1])), code, objectId);
    }

    private OnedException classify(String method, XmlRpcException e) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = e; t != null && chain.size() < 20; t = t.getCause()) {
            chain.add(t);
        }
        String where = endpoint.displayUrl();
        for (Throwable t : chain) {
            if (t instanceof SocketTimeoutException) {
                // HttpURLConnection says "Connect timed out" when nothing was delivered: the call
                // certainly did not run, which a caller deciding on a retry needs to know.
                if (String.valueOf(t.getMessage()).toLowerCase(Locale.ROOT).contains("connect timed out")) {
                    return OnedException.of(Kind.CONNECTION, method,
                            method + ": no connection to oned at " + where + " within " + connectMillis + " ms", e);
                }
                return OnedException.of(Kind.TIMEOUT, method, method + ": no reply from oned at " + where
                        + " within " + replyMillis + " ms (the call may still have been carried out)", e);
            }
            if (t instanceof ConnectException || t instanceof NoRouteToHostException
                    || t instanceof UnknownHostException || t instanceof PortUnreachableException) {
                return OnedException.of(Kind.CONNECTION, method,
                        method + ": cannot reach oned at " + where + ": " + describeCause(t), e);
            }
        }
        if (e instanceof XmlRpcHttpTransportException h) {
            return malformed(method, "HTTP status " + h.getStatusCode() + " " + String.valueOf(h.getStatusMessage())
                    + " (is this oned's XML-RPC endpoint?)", e);
        }
        for (Throwable t : chain) {
            if (t instanceof SAXException) {
                return malformed(method, "not a valid XML-RPC response: " + describeCause(t), e);
            }
        }
        for (Throwable t : chain) {
            if (t instanceof IOException) {
                return OnedException.of(Kind.CONNECTION, method,
                        method + ": connection to oned at " + where + " failed: " + describeCause(t), e);
            }
        }
        if (e instanceof XmlRpcClientException) {
            return malformed(method, e.getMessage(), e);
        }
        // What is left is a <fault> from the server (xmlrpc-c): Apache XML-RPC throws it as a plain
        // XmlRpcException carrying faultCode and faultString.
        return OnedException.fault(method, e.code, redact(e.getMessage()));
    }

    OnedException malformed(String method, String detail, Throwable cause) {
        return OnedException.of(Kind.MALFORMED_RESPONSE, method,
                method + ": malformed response from oned at " + endpoint.displayUrl() + ": " + redact(detail), cause);
    }

    private String describeCause(Throwable t) {
        String m = t.getMessage();
        return redact(m == null || m.isBlank() ? t.getClass().getSimpleName() : m);
    }

    /** Defence in depth: nothing oned or a proxy echoes back may carry the session into a log. */
    String redact(String s) {
        if (s == null) {
            return "";
        }
        String session = endpoint.session();
        String out = s.replace(session, "***");
        String password = session.substring(session.indexOf(':') + 1);
        return password.length() >= 6 ? out.replace(password, "***") : out;
    }

    private static String describe(Object v) {
        if (v == null) {
            return "nothing";
        }
        String text = v instanceof Object[] a ? java.util.Arrays.deepToString(a) : String.valueOf(v);
        return v.getClass().getSimpleName() + " " + OnedException.oneLine(text, 80);
    }

    private static long elapsed(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
