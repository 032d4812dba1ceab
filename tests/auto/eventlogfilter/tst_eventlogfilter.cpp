// EventLogFilter over an EventLogModel: each criterion alone, together, with rows arriving.
#include <eventlogfilter.h>
#include <eventlogmodel.h>

#include <QAbstractItemModelTester>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;
using Dir = EventLogEntry::Direction;
using DF = EventLogFilter::DirectionFilter;

class tst_EventLogFilter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void init();
    void noFilterShowsAll();
    void criteria_data();
    void criteria();
    void invalidRegexFiltersNothingByText();
    void setFiltersAtOnce();
    void newRowsFiltered();

private:
    void add(const QString &socket, const QString &nsp, const QString &event, Dir dir,
             const Arguments &args)
    {
        EventLogEntry e;
        e.socketId = socket;
        e.nsp = nsp;
        e.event = event;
        e.direction = dir;
        e.args = args;
        m_model->append(e);
    }
    QStringList shownEvents() const
    {
        QStringList out;
        for (int r = 0; r < m_filter->rowCount(); ++r)
            out.append(m_filter->index(r, int(EventLogColumn::Event)).data().toString());
        return out;
    }

    std::unique_ptr<EventLogModel> m_model;
    std::unique_ptr<EventLogFilter> m_filter;
    std::unique_ptr<QAbstractItemModelTester> m_tester;
};

void tst_EventLogFilter::init()
{
    m_tester.reset();
    m_filter.reset();
    m_model = std::make_unique<EventLogModel>();
    m_filter = std::make_unique<EventLogFilter>();
    m_filter->setSourceModel(m_model.get());
    m_tester = std::make_unique<QAbstractItemModelTester>(
            m_filter.get(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    add(u"sockA"_s, u"/"_s, u"chat message"_s, Dir::In, { u"Hello World"_s });
    add(u"sockA"_s, u"/"_s, u"time"_s, Dir::Out, { qint64(1700000000000) });
    add(u"sockB"_s, u"/chat"_s, u"typing"_s, Dir::In, { QVariantMap { { u"user"_s, u"bob"_s } } });
    add(u"sockB"_s, u"/chat"_s, u"chat message"_s, Dir::Out, { u"hi bob"_s, 42 });
    add(u"sockC"_s, u"/admin"_s, u"kick"_s, Dir::In, { u"user-17"_s });
    m_model->flush();
    QCOMPARE(m_model->rowCount(), 5);
}

void tst_EventLogFilter::noFilterShowsAll()
{
    QCOMPARE(m_filter->rowCount(), 5);
    QVERIFY(!m_filter->isActive());
    QCOMPARE(shownEvents().first(), u"chat message"_s); // source order kept
    QCOMPARE(shownEvents().last(), u"kick"_s);
}

void tst_EventLogFilter::criteria_data()
{
    QTest::addColumn<QString>("socket");
    QTest::addColumn<QString>("nsp");
    QTest::addColumn<QString>("event");
    QTest::addColumn<int>("direction");
    QTest::addColumn<QString>("text");
    QTest::addColumn<bool>("regex");
    QTest::addColumn<QStringList>("expected");

    const QString none;
    QTest::newRow("socket") << u"sockB"_s << none << none << int(DF::Both) << none << false
                            << QStringList { u"typing"_s, u"chat message"_s };
    QTest::newRow("socket substring") << u"sock"_s << none << none << int(DF::Both) << none
                                      << false
                                      << QStringList { u"chat message"_s, u"time"_s, u"typing"_s,
                                                       u"chat message"_s, u"kick"_s };
    QTest::newRow("namespace exact") << none << u"/chat"_s << none << int(DF::Both) << none
                                     << false
                                     << QStringList { u"typing"_s, u"chat message"_s };
    QTest::newRow("namespace root only") << none << u"/"_s << none << int(DF::Both) << none
                                         << false << QStringList { u"chat message"_s, u"time"_s };
    QTest::newRow("event substring, any case") << none << none << u"CHAT"_s << int(DF::Both)
                                               << none << false
                                               << QStringList { u"chat message"_s,
                                                                u"chat message"_s };
    QTest::newRow("direction in") << none << none << none << int(DF::In) << none << false
                                  << QStringList { u"chat message"_s, u"typing"_s, u"kick"_s };
    QTest::newRow("direction out") << none << none << none << int(DF::Out) << none << false
                                   << QStringList { u"time"_s, u"chat message"_s };
    QTest::newRow("text in payload") << none << none << none << int(DF::Both) << u"bob"_s
                                     << false
                                     << QStringList { u"typing"_s, u"chat message"_s };
    QTest::newRow("text is not the event name") << none << none << none << int(DF::Both)
                                                << u"kick"_s << false << QStringList {};
    QTest::newRow("text any case") << none << none << none << int(DF::Both) << u"hello world"_s
                                   << false << QStringList { u"chat message"_s };
    QTest::newRow("regex") << none << none << none << int(DF::Both) << u"user-\\d+"_s << true
                           << QStringList { u"kick"_s };
    QTest::newRow("regex JSON shape") << none << none << none << int(DF::Both)
                                      << u"^\\[\"hi .*,42\\]$"_s << true
                                      << QStringList { u"chat message"_s };
    QTest::newRow("text taken literally without regex") << none << none << none << int(DF::Both)
                                                        << u"user-\\d+"_s << false
                                                        << QStringList {};
    QTest::newRow("all together") << u"sockB"_s << u"/chat"_s << u"message"_s << int(DF::Out)
                                  << u"42"_s << false << QStringList { u"chat message"_s };
    QTest::newRow("all together, one mismatch") << u"sockB"_s << u"/chat"_s << u"message"_s
                                                << int(DF::In) << u"42"_s << false
                                                << QStringList {};
}

void tst_EventLogFilter::criteria()
{
    QFETCH(QString, socket);
    QFETCH(QString, nsp);
    QFETCH(QString, event);
    QFETCH(int, direction);
    QFETCH(QString, text);
    QFETCH(bool, regex);
    QFETCH(QStringList, expected);

    m_filter->setSocketFilter(socket);
    m_filter->setNamespaceFilter(nsp);
    m_filter->setEventFilter(event);
    m_filter->setDirectionFilter(DF(direction));
    QVERIFY(m_filter->setTextFilter(text, regex));
    QCOMPARE(shownEvents(), expected);
    QVERIFY(m_filter->isActive());
}

void tst_EventLogFilter::invalidRegexFiltersNothingByText()
{
    QVERIFY(!m_filter->setTextFilter(u"(unclosed"_s, true));
    QVERIFY(!m_filter->textFilterError().isEmpty());
    QCOMPARE(m_filter->rowCount(), 5);
    QVERIFY(m_filter->setTextFilter(u"(bob)"_s, true));
    QVERIFY(m_filter->textFilterError().isEmpty());
    QCOMPARE(m_filter->rowCount(), 2);
}

void tst_EventLogFilter::setFiltersAtOnce()
{
    QVERIFY(m_filter->setFilters(u"sockA"_s, QString(), QString(), DF::Out, QString(), false));
    QCOMPARE(shownEvents(), QStringList { u"time"_s });
    QVERIFY(m_filter->setFilters({}, {}, {}, DF::Both, {}, false));
    QCOMPARE(m_filter->rowCount(), 5);
    QVERIFY(!m_filter->isActive());
}

void tst_EventLogFilter::newRowsFiltered()
{
    m_filter->setEventFilter(u"typing"_s);
    QCOMPARE(m_filter->rowCount(), 1);
    for (int i = 0; i < 50; ++i)
        add(u"sockD"_s, u"/chat"_s, i % 2 ? u"typing"_s : u"idle"_s, Dir::In, { i });
    QTRY_COMPARE(m_filter->rowCount(), 26);
    m_model->setCapacity(10); // drops rows, some of them shown
    QCOMPARE(m_filter->rowCount(), 5);
    m_model->clear();
    QCOMPARE(m_filter->rowCount(), 0);
}

QTEST_GUILESS_MAIN(tst_EventLogFilter)
#include "tst_eventlogfilter.moc"
