#include "resp.h"

namespace Sockscope {

QByteArray RespValue::toByteArray() const
{
    switch (type) {
    case Type::Integer:
        return QByteArray::number(integer);
    case Type::SimpleString:
    case Type::Error:
    case Type::Bulk:
        return bytes;
    case Type::Null:
    case Type::Array:
        break;
    }
    return {};
}

void RespParser::reset()
{
    m_buffer.clear();
    m_start = 0;
    m_error.clear();
}

bool RespParser::feed(QByteArrayView bytes)
{
    if (hasError())
        return false;
    if (m_start > 0 && m_start == m_buffer.size()) {
        m_buffer.clear();
        m_start = 0;
    }
    m_buffer.append(bytes.data(), bytes.size());
    return true;
}

bool RespParser::next(RespValue *out)
{
    if (hasError() || m_start >= m_buffer.size())
        return false;
    qsizetype pos = m_start;
    RespValue value;
    const Step step = parseOne(&pos, &value, 0);
    if (step != Step::Done)
        return false;
    m_start = pos;
    if (m_start == m_buffer.size()) {
        m_buffer.clear();
        m_start = 0;
    } else if (m_start > 64 * 1024) { // keep the buffer from growing at the front
        m_buffer.remove(0, m_start);
        m_start = 0;
    }
    *out = std::move(value);
    return true;
}

RespParser::Step RespParser::fail(const QString &why)
{
    m_error = why;
    return Step::Failed;
}

bool RespParser::readLine(qsizetype *pos, QByteArrayView *line, Step *step)
{
    const qsizetype end = m_buffer.indexOf("\r\n", *pos);
    if (end < 0) {
        *step = m_buffer.size() - *pos > m_limits.maxLineBytes
                ? fail(QStringLiteral("RESP line longer than %1 bytes").arg(m_limits.maxLineBytes))
                : Step::NeedMore;
        return false;
    }
    if (end - *pos > m_limits.maxLineBytes) {
        *step = fail(QStringLiteral("RESP line longer than %1 bytes").arg(m_limits.maxLineBytes));
        return false;
    }
    *line = QByteArrayView(m_buffer).sliced(*pos, end - *pos);
    *pos = end + 2;
    return true;
}

static bool parseInteger(QByteArrayView text, qint64 *out)
{
    if (text.isEmpty() || text.size() > 20)
        return false;
    bool ok = false;
    *out = text.toLongLong(&ok);
    // toLongLong accepts a leading '+' and spaces: RESP does not.
    return ok && text[0] != '+' && text[0] != ' ' && text.back() != ' ';
}

RespParser::Step RespParser::parseOne(qsizetype *pos, RespValue *out, int depth)
{
    if (depth > m_limits.maxDepth)
        return fail(QStringLiteral("RESP arrays nested deeper than %1").arg(m_limits.maxDepth));
    if (*pos >= m_buffer.size())
        return Step::NeedMore;
    const char kind = m_buffer.at(*pos);
    qsizetype p = *pos + 1;
    QByteArrayView line;
    Step step = Step::Done;
    if (!readLine(&p, &line, &step))
        return step;
    switch (kind) {
    case '+':
    case '-':
        out->type = kind == '+' ? RespValue::Type::SimpleString : RespValue::Type::Error;
        out->bytes = line.toByteArray();
        break;
    case ':':
        out->type = RespValue::Type::Integer;
        if (!parseInteger(line, &out->integer))
            return fail(QStringLiteral("bad RESP integer at offset %1").arg(*pos));
        break;
    case '$': {
        qint64 length = 0;
        if (!parseInteger(line, &length) || length < -1)
            return fail(QStringLiteral("bad RESP bulk length at offset %1").arg(*pos));
        if (length == -1) {
            out->type = RespValue::Type::Null;
            break;
        }
        if (length > m_limits.maxBulkBytes)
            return fail(QStringLiteral("RESP bulk of %1 bytes, over the limit of %2")
                                .arg(length)
                                .arg(m_limits.maxBulkBytes));
        if (m_buffer.size() - p < length + 2)
            return Step::NeedMore;
        if (m_buffer.at(p + length) != '\r' || m_buffer.at(p + length + 1) != '\n')
            return fail(QStringLiteral("RESP bulk at offset %1 not ended by CR LF").arg(*pos));
        out->type = RespValue::Type::Bulk;
        out->bytes = m_buffer.mid(p, length);
        p += length + 2;
        break;
    }
    case '*': {
        qint64 count = 0;
        if (!parseInteger(line, &count) || count < -1)
            return fail(QStringLiteral("bad RESP array length at offset %1").arg(*pos));
        if (count == -1) {
            out->type = RespValue::Type::Null;
            break;
        }
        if (count > m_limits.maxArrayElements)
            return fail(QStringLiteral("RESP array of %1 elements, over the limit of %2")
                                .arg(count)
                                .arg(m_limits.maxArrayElements));
        // Nothing reserved for the count: elements are appended as they arrive and parse.
        out->type = RespValue::Type::Array;
        for (qint64 i = 0; i < count; ++i) {
            RespValue element;
            const Step s = parseOne(&p, &element, depth + 1);
            if (s != Step::Done)
                return s;
            out->elements.append(std::move(element));
        }
        break;
    }
    default:
        return fail(QStringLiteral("unknown RESP type byte 0x%1 at offset %2")
                            .arg(uchar(kind), 2, 16, QLatin1Char('0'))
                            .arg(*pos));
    }
    *pos = p;
    return Step::Done;
}

namespace Resp {

QByteArray command(const QList<QByteArray> &parts)
{
    QByteArray out;
    qsizetype size = 16;
    for (const QByteArray &p : parts)
        size += p.size() + 16;
    out.reserve(size);
    out += '*';
    out += QByteArray::number(parts.size());
    out += "\r\n";
    for (const QByteArray &p : parts) {
        out += '$';
        out += QByteArray::number(p.size());
        out += "\r\n";
        out += p;
        out += "\r\n";
    }
    return out;
}

} // namespace Resp

} // namespace Sockscope
