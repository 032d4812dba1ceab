#include "socketioparser.h"

namespace Sockscope {

JsonSocketIoParser::~JsonSocketIoParser() = default;

SocketIoParser::Status JsonSocketIoParser::decode(EngineIoPacket &&message, SocketIoPacket *out)
{
    QByteArray data = message.takeData();
    if (!message.isBinary() && !(m_decoder && m_decoder->isReassembling())) {
        // The usual case, a text packet on its own: no decoder state needed. An event's
        // arguments keep the received bytes (a binary packet's header leaves them here).
        const SocketIoPacket::Error e = SocketIoDecoder::parseTaking(&data, out, m_maxAttachments);
        if (e != SocketIoPacket::Error::None) {
            m_error = e;
            return Status::Failed;
        }
        if (!out->isBinary())
            return Status::Packet;
        // BINARY_EVENT / BINARY_ACK: its attachments follow; the decoder reassembles.
    }
    if (!m_decoder)
        m_decoder = std::make_unique<SocketIoDecoder>(m_maxAttachments);
    const SocketIoDecoder::Status status =
            message.isBinary() ? m_decoder->decodeBinary(data) : m_decoder->decodeText(data);
    switch (status) {
    case SocketIoDecoder::Status::Packet:
        *out = m_decoder->takePacket();
        return Status::Packet;
    case SocketIoDecoder::Status::NeedAttachments:
        return Status::NeedMore;
    case SocketIoDecoder::Status::Failed:
        m_error = m_decoder->error();
        return Status::Failed;
    }
    return Status::Failed;
}

QString JsonSocketIoParser::errorString() const
{
    return SocketIoPacket::errorString(m_error);
}

void JsonSocketIoParser::reset()
{
    if (m_decoder)
        m_decoder->reset();
}

} // namespace Sockscope
