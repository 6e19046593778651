package io.weir.tools.capture;

import java.io.IOException;

/** A capture file that is neither valid pcap nor valid pcapng; the message says where and why. */
public class CaptureFormatException extends IOException {
    public CaptureFormatException(String message) {
        super(message);
    }
}
