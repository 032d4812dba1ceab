// AsyncLineWriter: lines written in order from a thread of its own, a full queue dropping and
// counting lines without ever blocking the caller, the count written once the reader catches
// up, everything written by close(), and a failed descriptor that stops the writing.
#include <asynclinewriter.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryFile>
#include <QTest>
#include <QThread>

#include <atomic>
#include <csignal>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

QByteArray numberedLine(int i, qsizetype size = 100)
{
    QByteArray line = "{\"n\":" + QByteArray::number(i) + ",\"pad\":\"";
    line.append(qMax<qsizetype>(0, size - line.size() - 3), 'x');
    return line + "\"}\n";
}

// A pipe with a buffer of one page, and a thread that reads it to the end once started.
class SmallPipe
{
public:
    SmallPipe()
    {
        if (::pipe2(m_fds, O_CLOEXEC) != 0)
            return;
        ::fcntl(m_fds[1], F_SETPIPE_SZ, 4096);
    }
    ~SmallPipe()
    {
        closeWriteEnd();
        if (m_reader)
            m_reader->wait();
        if (m_fds[0] >= 0)
            ::close(m_fds[0]);
    }
    bool isValid() const { return m_fds[0] >= 0; }
    int writeEnd() const { return m_fds[1]; }
    void closeWriteEnd()
    {
        if (m_fds[1] >= 0)
            ::close(m_fds[1]);
        m_fds[1] = -1;
    }
    void closeReadEnd()
    {
        ::close(m_fds[0]);
        m_fds[0] = -1;
    }
    void startReading()
    {
        m_reader.reset(QThread::create([this] {
            char buf[65536];
            ssize_t n;
            while ((n = ::read(m_fds[0], buf, sizeof buf)) > 0) {
                QMutexLocker lock(&m_mutex);
                m_data.append(buf, n);
            }
        }));
        m_reader->start();
    }
    QByteArray data() const
    {
        QMutexLocker lock(&m_mutex);
        return m_data;
    }
    // Everything, once the write end is closed.
    QByteArray readToEnd()
    {
        closeWriteEnd();
        m_reader->wait();
        return data();
    }

private:
    int m_fds[2] = { -1, -1 };
    std::unique_ptr<QThread> m_reader;
    mutable QMutex m_mutex;
    QByteArray m_data;
};

QList<QJsonObject> parseLines(const QByteArray &data, bool *ok)
{
    *ok = data.isEmpty() || data.endsWith('\n');
    QList<QJsonObject> out;
    for (const QByteArray &line : data.split('\n')) {
        if (line.isEmpty())
            continue;
        const QJsonDocument d = QJsonDocument::fromJson(line);
        if (!d.isObject())
            *ok = false;
        out.append(d.object());
    }
    return out;
}

} // namespace

class tst_LineWriter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void linesInOrder();
    void flushWritesWhatIsQueued();
    void fullQueueDropsAndCounts();
    void countWrittenWhenCaughtUp();
    void failedDescriptor();
};

void tst_LineWriter::initTestCase()
{
    // A closed pipe fails the write with EPIPE instead of ending the test.
    ::signal(SIGPIPE, SIG_IGN);
}

void tst_LineWriter::linesInOrder()
{
    // Lines of every size, from 1 byte to several batches, arrive whole and in order.
    QTemporaryFile file;
    QVERIFY(file.open());
    QByteArray expected;
    {
        AsyncLineWriter writer(file.handle());
        for (int i = 0; i < 20000; ++i) {
            const QByteArray line = i % 1000 == 999 ? numberedLine(i, 200 * 1024)
                                                    : numberedLine(i, 1 + i % 300);
            QVERIFY(writer.write(line));
            expected += line;
        }
        QCOMPARE(writer.droppedCount(), quint64(0));
    } // the destructor writes the rest
    QVERIFY(file.seek(0));
    QCOMPARE(file.readAll(), expected);
}

void tst_LineWriter::flushWritesWhatIsQueued()
{
    QTemporaryFile file;
    QVERIFY(file.open());
    AsyncLineWriter writer(file.handle());
    QVERIFY(writer.write("{\"a\":1}\n"));
    writer.flush();
    QCOMPARE(writer.queuedBytes(), 0);
    QVERIFY(file.seek(0));
    QCOMPARE(file.readAll(), QByteArray("{\"a\":1}\n"));
    // And without flush(), within the batch delay: no line waits for the next one.
    QVERIFY(writer.write("{\"b\":2}\n"));
    QTRY_COMPARE_WITH_TIMEOUT(QFileInfo(file.fileName()).size(), 16, 1000);
}

void tst_LineWriter::fullQueueDropsAndCounts()
{
    // Nobody reads: the pipe (4 KiB) and the queue (2 KiB) fill, and the next lines are
    // dropped at once. A line kept regardless goes out after the count of those before it.
    SmallPipe pipe;
    QVERIFY(pipe.isValid());
    const int total = 200;
    int accepted = 0;
    {
        AsyncLineWriter writer(pipe.writeEnd(), 2048);
        QVERIFY(!writer.skipLine()); // nothing dropped yet: lines are worth making
        QElapsedTimer timer;
        timer.start();
        for (int i = 0; i < total; ++i) {
            if (writer.write(numberedLine(i)))
                ++accepted;
        }
        QVERIFY2(timer.elapsed() < 1000, "write() waited for the reader");
        QVERIFY(accepted < total);
        QCOMPARE(writer.droppedCount(), quint64(total - accepted));
        // While dropping, a line need not even be made: skipLine() counts it.
        QVERIFY(writer.skipLine());
        QCOMPARE(writer.droppedCount(), quint64(total - accepted + 1));
        QVERIFY(writer.write("{\"kept\":true}\n", AsyncLineWriter::WhenFull::Keep));
        QCOMPARE(writer.droppedCount(), quint64(total - accepted + 1));
        pipe.startReading();
    } // close() writes everything
    bool ok = false;
    const QList<QJsonObject> lines = parseLines(pipe.readToEnd(), &ok);
    QVERIFY(ok);
    // The first lines in order, then the count of the rest, then the kept line.
    QCOMPARE(lines.size(), accepted + 2);
    for (int i = 0; i < accepted; ++i)
        QCOMPARE(lines.at(i).value(u"n"_s).toInt(), i);
    const QJsonObject count = lines.at(accepted);
    QCOMPARE(count.value(u"type"_s).toString(), u"log_dropped"_s);
    QCOMPARE(count.value(u"count"_s).toInteger(), total - accepted + 1);
    QVERIFY(!count.value(u"time"_s).toString().isEmpty());
    QCOMPARE(lines.last().value(u"kept"_s).toBool(), true);
}

void tst_LineWriter::countWrittenWhenCaughtUp()
{
    // Once the reader catches up, the count goes out by itself (no line after it needed), and
    // lines are taken again after it.
    SmallPipe pipe;
    QVERIFY(pipe.isValid());
    AsyncLineWriter writer(pipe.writeEnd(), 2048);
    int accepted = 0;
    for (int i = 0; i < 200; ++i)
        accepted += writer.write(numberedLine(i)) ? 1 : 0;
    const quint64 dropped = writer.droppedCount();
    QVERIFY(dropped > 0);
    pipe.startReading();
    QTRY_VERIFY_WITH_TIMEOUT(pipe.data().contains("log_dropped"), 5000);
    QVERIFY(!writer.skipLine());
    QVERIFY(writer.write(numberedLine(1000)));
    writer.close();
    QVERIFY(!writer.write(numberedLine(1001))); // closed
    bool ok = false;
    const QList<QJsonObject> lines = parseLines(pipe.readToEnd(), &ok);
    QVERIFY(ok);
    QCOMPARE(lines.size(), accepted + 2);
    QCOMPARE(lines.at(accepted).value(u"type"_s).toString(), u"log_dropped"_s);
    QCOMPARE(quint64(lines.at(accepted).value(u"count"_s).toInteger()), dropped);
    QCOMPARE(lines.last().value(u"n"_s).toInt(), 1000);
}

void tst_LineWriter::failedDescriptor()
{
    // The reader went away: the write fails, the writer says why and takes nothing more;
    // flush() and close() do not wait for what can never be written.
    SmallPipe pipe;
    QVERIFY(pipe.isValid());
    pipe.closeReadEnd();
    AsyncLineWriter writer(pipe.writeEnd());
    QVERIFY(writer.write(numberedLine(0)));
    writer.flush();
    QCOMPARE(writer.error(), EPIPE);
    QCOMPARE(writer.queuedBytes(), 0);
    QVERIFY(!writer.write(numberedLine(1)));
    writer.close();
}

QTEST_GUILESS_MAIN(tst_LineWriter)
#include "tst_linewriter.moc"
