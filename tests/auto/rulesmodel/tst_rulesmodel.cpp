// RulesModel: load, toggle, edit (checked by RuleSet::parse), add, remove, save, reload.
#include <rules.h>
#include <rulesmodel.h>

#include <QAbstractItemModelTester>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace Qt::StringLiterals;
using namespace Sockscope;

namespace {

const QByteArray Rules = R"({
  "description": "kept as it is",
  "namespaces": ["/", "/chat"],
  "rules": [
    { "on": "$connect", "do": [ { "emit": "time", "args": ["$now"], "volatile": true } ] },
    { "namespace": "/chat", "on": "message", "match": "hello",
      "do": [ { "emit": "message-back", "to": "namespace", "args": "$args" } ] },
    { "on": "ask", "do": [ { "ack": ["$arg0"] } ] }
  ]
})";

QJsonObject object(const char *json)
{
    return QJsonDocument::fromJson(json).object();
}

} // namespace

class tst_RulesModel : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void loadShowsRules();
    void toggleKeepsRuleButDoesNotInstallIt();
    void editsAreChecked();
    void saveAndReload();
    void loadErrors();
};

void tst_RulesModel::loadShowsRules()
{
    RulesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QString error;
    QVERIFY2(model.setDocument(Rules, &error), qPrintable(error));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), int(RulesColumn::Count));
    QCOMPARE(model.namespaces(), (QStringList { u"/"_s, u"/chat"_s }));
    auto cell = [&](int row, RulesColumn c) { return model.index(row, int(c)).data().toString(); };
    QCOMPARE(cell(0, RulesColumn::On), u"$connect"_s);
    QCOMPARE(cell(0, RulesColumn::Namespace), u"*"_s);
    QCOMPARE(cell(1, RulesColumn::Namespace), u"/chat"_s);
    QCOMPARE(cell(1, RulesColumn::Match), u"hello"_s);
    QCOMPARE(cell(0, RulesColumn::Actions), u"emit time (volatile)"_s);
    QCOMPARE(cell(1, RulesColumn::Actions), u"emit message-back → namespace"_s);
    QCOMPARE(cell(2, RulesColumn::Actions), u"ack [\"$arg0\"]"_s);
    QCOMPARE(model.index(0, int(RulesColumn::Enabled)).data(Qt::CheckStateRole).value<Qt::CheckState>(),
             Qt::Checked);
    QVERIFY(model.flags(model.index(0, 0)) & Qt::ItemIsUserCheckable);
    QVERIFY(!model.isModified());
}

void tst_RulesModel::toggleKeepsRuleButDoesNotInstallIt()
{
    RulesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.setDocument(Rules, nullptr));
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QVERIFY(model.setData(model.index(1, 0), Qt::Unchecked, Qt::CheckStateRole));
    QCOMPARE(changed.size(), 1);
    QVERIFY(!model.isEnabled(1));
    QVERIFY(model.isModified());
    const QJsonObject doc = QJsonDocument::fromJson(model.toJson()).object();
    QCOMPARE(doc.value(u"rules"_s).toArray().size(), 3);
    QCOMPARE(doc.value(u"rules"_s).toArray().at(1).toObject().value(u"enabled"_s), QJsonValue(false));
    QCOMPARE(doc.value(u"description"_s).toString(), u"kept as it is"_s);

    RuleSet set;
    QString error;
    QVERIFY2(model.ruleSet(&set, &error), qPrintable(error));
    QCOMPARE(set.rules.size(), 2);
    QCOMPARE(set.rules.at(1).on, u"ask"_s);

    model.setEnabled(1, true);
    QVERIFY(model.isEnabled(1));
    QVERIFY(!QJsonDocument::fromJson(model.toJson()).object().value(u"rules"_s).toArray().at(1)
                     .toObject().contains(u"enabled"_s));
    QVERIFY(model.ruleSet(&set, &error));
    QCOMPARE(set.rules.size(), 3);
}

void tst_RulesModel::editsAreChecked()
{
    RulesModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY(model.setDocument(Rules, nullptr));
    QString error;
    // An unknown action is refused with its place, and nothing changes.
    QVERIFY(!model.setRule(2, object(R"({"on":"ask","do":[{"explode":1}]})"), &error));
    QVERIFY2(error.contains(u"rules[2].do[0]"_s), qPrintable(error));
    QCOMPARE(model.rule(2).value(u"on"_s).toString(), u"ask"_s);
    // A namespace that is not declared.
    QVERIFY(!model.addRule(object(R"({"namespace":"/nope","on":"x","do":[{"ack":[]}]})"), &error));
    QVERIFY(error.contains(u"/nope"_s));
    QCOMPARE(model.rowCount(), 3);
    // Dropping a namespace a rule uses is refused too.
    QVERIFY(!model.setNamespaces({ u"/"_s }, &error));
    QCOMPARE(model.namespaces().size(), 2);

    QVERIFY2(model.setRule(2, object(R"({"on":"ask","do":[{"ack":["ok"]}]})"), &error), qPrintable(error));
    QCOMPARE(model.index(2, int(RulesColumn::Actions)).data().toString(), u"ack [\"ok\"]"_s);
    QVERIFY(model.addRule(object(R"({"on":"join","do":[{"join":"$arg0"}]})"), &error));
    QCOMPARE(model.rowCount(), 4);
    QCOMPARE(model.index(3, int(RulesColumn::Actions)).data().toString(), u"join \"$arg0\""_s);
    model.removeRule(0);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.index(0, int(RulesColumn::On)).data().toString(), u"message"_s);
    QVERIFY(model.setNamespaces({ u"/"_s, u"/chat"_s, u"/extra"_s }, &error));
}

void tst_RulesModel::saveAndReload()
{
    QTemporaryDir dir;
    const QString path = dir.filePath(u"rules.json"_s);
    RulesModel model;
    QVERIFY(model.setDocument(Rules, nullptr));
    model.setEnabled(0, false);
    QString error;
    QVERIFY2(model.save(path, &error), qPrintable(error));
    QCOMPARE(model.filePath(), path);
    QVERIFY(!model.isModified());

    // The saved file is a rules file the headless server reads.
    RuleSet set;
    QVERIFY2(RuleSet::load(path, &set, &error), qPrintable(error));
    QCOMPARE(set.rules.size(), 2);
    QCOMPARE(set.namespaces, (QStringList { u"/"_s, u"/chat"_s }));

    RulesModel again;
    QAbstractItemModelTester tester(&again, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QVERIFY2(again.load(path, &error), qPrintable(error));
    QCOMPARE(again.rowCount(), 3);
    QVERIFY(!again.isEnabled(0));
    QCOMPARE(again.toJson(), model.toJson());
}

void tst_RulesModel::loadErrors()
{
    RulesModel model;
    QVERIFY(model.setDocument(Rules, nullptr));
    QString error;
    QVERIFY(!model.load(u"/nonexistent/rules.json"_s, &error));
    QVERIFY(error.contains(u"/nonexistent/rules.json"_s));
    QVERIFY(!model.setDocument("{ \"rules\": [ { \"on\": \"x\", \"enabled\": 1, \"do\": [ {\"ack\": []} ] } ] }", &error));
    QVERIFY2(error.contains(u"enabled"_s), qPrintable(error));
    QCOMPARE(model.rowCount(), 3); // unchanged
    QVERIFY(model.load(QStringLiteral(SOCKSCOPE_SOURCE_DIR "/resources/rules/tutorial.json"), &error));
    QCOMPARE(model.rowCount(), 1);
}

QTEST_GUILESS_MAIN(tst_RulesModel)
#include "tst_rulesmodel.moc"
