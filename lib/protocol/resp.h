// Sockscope: RESP2, the Redis serialization protocol: replies decoded, commands encoded. Pure.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QList>
#include <QString>

namespace Sockscope {

/*
    One reply of a Redis server (RESP2, redis.io/docs/reference/protocol-spec):

    first byte   type         rest of the line                 then
    +            SimpleString text                             -
    -            Error        text ("ERR …", "WRONGPASS …")    -
    :            Integer      signed decimal                   -
    $            Bulk         byte count, -1 for null          the bytes, CR LF
    *            Array        element count, -1 for null       the elements

    Every line ends with CR LF. A command is an array of bulk strings (command()).
*/
struct RespValue
{
    enum class Type { Null, SimpleString, Error, Integer, Bulk, Array };
    Type type = Type::Null;
    QByteArray bytes; // SimpleString, Error, Bulk
    qint64 integer = 0;
    QList<RespValue> elements; // Array

    bool isError() const { return type == Type::Error; }
    bool isNull() const { return type == Type::Null; }
    bool isArray() const { return type == Type::Array; }
    // The text of a string reply, the decimal of an integer (for logs and tests).
    QByteArray toByteArray() const;
};

/*
    An incremental reply parser: feed it bytes as they arrive, take the complete replies. It
    keeps the bytes of an incomplete reply until the rest comes and parses it again then
    (replies are small; a pub/sub message is one array of three or four bulks).

    Bounded: a bulk longer than maxBulkBytes, an array longer than maxArrayElements, nesting
    deeper than maxDepth or a line longer than maxLineBytes without its CR LF is an error, found
    before anything is allocated for it. After an error the parser stays failed: the connection
    is to be closed.
*/
class RespParser
{
public:
    struct Limits
    {
        qsizetype maxBulkBytes = 64 * 1024 * 1024;
        qsizetype maxArrayElements = 1024 * 1024;
        int maxDepth = 8;
        qsizetype maxLineBytes = 64 * 1024;
    };

    RespParser() = default;
    explicit RespParser(const Limits &limits)
        : m_limits(limits)
    {
    }

    // Appends bytes; returns false once the input is malformed (errorString() says why).
    bool feed(QByteArrayView bytes);
    // The next complete reply, if there is one.
    bool next(RespValue *out);

    bool hasError() const { return !m_error.isEmpty(); }
    QString errorString() const { return m_error; }
    void reset();

private:
    enum class Step { Done, NeedMore, Failed };
    Step parseOne(qsizetype *pos, RespValue *out, int depth);
    bool readLine(qsizetype *pos, QByteArrayView *line, Step *step);
    Step fail(const QString &why);

    Limits m_limits;
    QByteArray m_buffer;
    qsizetype m_start = 0; // the first byte not yet consumed
    QString m_error;
};

namespace Resp {
// The RESP encoding of a command: an array of bulk strings.
QByteArray command(const QList<QByteArray> &parts);
} // namespace Resp

} // namespace Sockscope
