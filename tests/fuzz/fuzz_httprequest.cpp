// The HTTP request head parser of the front door.
#include <handshakerecord.h>
#include <httprequest.h>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes(reinterpret_cast<const char *>(data), qsizetype(size));
    Sockscope::HttpRequest request;
    const auto status = Sockscope::HttpRequest::parse(bytes, &request, 4096, 32);
    if (status == Sockscope::HttpRequest::Status::Complete) {
        if (request.headLength <= 0 || request.headLength > bytes.size() || request.headers.size() > 32)
            __builtin_trap();
        (void)request.path();
        (void)request.query();
        (void)request.keepAlive();
        const auto record = Sockscope::HandshakeRecord::fromRequest(request, bytes);
        (void)record.header("sec-websocket-key");
    }
    return 0;
}
