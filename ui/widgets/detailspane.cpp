#include "detailspane.h"
#include <text.h>

#include <QFontDatabase>
#include <QHeaderView>
#include <QJsonDocument>
#include <QLabel>
#include <QPlainTextEdit>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;
using Sockscope::Text::count;

namespace Sockscope {

namespace {

constexpr int BinaryRole = Qt::UserRole + 1;

QString typeName(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::Nullptr: return u"null"_s;
    case QMetaType::Bool: return u"boolean"_s;
    case QMetaType::Int:
    case QMetaType::LongLong:
    case QMetaType::UInt:
    case QMetaType::ULongLong:
    case QMetaType::Double: return u"number"_s;
    case QMetaType::QString: return u"string"_s;
    case QMetaType::QVariantList: return u"array"_s;
    case QMetaType::QVariantMap: return u"object"_s;
    case QMetaType::QByteArray: return u"binary"_s;
    default: break;
    }
    if (v.canConvert<QJsonValue>()) {
        const QJsonValue j = v.toJsonValue();
        if (j.isArray())
            return u"array"_s;
        if (j.isObject())
            return u"object"_s;
    }
    return QString::fromLatin1(v.typeName());
}

} // namespace

DetailsPane::DetailsPane(QWidget *parent) : QWidget(parent)
{
    m_title = new QLabel(tr("Select an event in the log"), this);
    m_title->setObjectName(u"detailsTitle"_s);
    m_title->setWordWrap(true);
    m_tree = new QTreeWidget(this);
    m_tree->setObjectName(u"argumentsTree"_s);
    m_tree->setHeaderLabels({ tr("Key"), tr("Value"), tr("Type") });
    m_tree->setUniformRowHeights(true);
    m_tree->header()->resizeSection(0, 140);
    m_tree->header()->resizeSection(1, 220);
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_json = new QPlainTextEdit(this);
    m_json->setObjectName(u"argumentsJson"_s);
    m_json->setReadOnly(true);
    m_json->setFont(mono);
    m_hex = new QPlainTextEdit(this);
    m_hex->setObjectName(u"argumentsHex"_s);
    m_hex->setReadOnly(true);
    m_hex->setFont(mono);
    m_hex->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_tabs = new QTabWidget(this);
    m_tabs->addTab(m_tree, tr("Tree"));
    m_tabs->addTab(m_json, tr("JSON"));
    m_tabs->addTab(m_hex, tr("Hex"));
    connect(m_tree, &QTreeWidget::currentItemChanged, this,
            [this](QTreeWidgetItem *item) { showBinaryOf(item); });

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(2, 2, 2, 2);
    layout->addWidget(m_title);
    layout->addWidget(m_tabs, 1);
}

void DetailsPane::clear()
{
    m_title->setText(tr("Select an event in the log"));
    m_tree->clear();
    m_json->clear();
    m_hex->clear();
    m_firstBinary = nullptr;
}

void DetailsPane::showArguments(const QString &title, const Arguments &args)
{
    m_tree->clear();
    m_firstBinary = nullptr;
    m_title->setText(title);
    for (int i = 0; i < args.size(); ++i)
        addValue(nullptr, u"[%1]"_s.arg(i), args.at(i));
    m_tree->expandToDepth(1);
    m_json->setPlainText(QString::fromUtf8(
            QJsonDocument(Json::toDisplayJson(args)).toJson(QJsonDocument::Indented)));
    m_hex->clear();
    if (m_firstBinary) {
        showBinaryOf(m_firstBinary);
    } else {
        m_hex->setPlainText(tr("(no binary arguments)"));
    }
}

void DetailsPane::addValue(QTreeWidgetItem *parent, const QString &key, const QVariant &value)
{
    auto *item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(m_tree);
    item->setText(0, key);
    item->setText(2, typeName(value));
    QVariant v = value;
    if (v.typeId() == QMetaType::QJsonValue || v.typeId() == QMetaType::QJsonObject
        || v.typeId() == QMetaType::QJsonArray)
        v = v.toJsonValue().toVariant();
    switch (v.typeId()) {
    case QMetaType::QVariantList: {
        const QVariantList list = v.toList();
        item->setText(1, count(int(list.size()), tr("item"), tr("items")));
        for (int i = 0; i < list.size(); ++i)
            addValue(item, u"[%1]"_s.arg(i), list.at(i));
        break;
    }
    case QMetaType::QVariantMap: {
        const QVariantMap map = v.toMap();
        item->setText(1, count(int(map.size()), tr("key"), tr("keys")));
        for (auto it = map.cbegin(); it != map.cend(); ++it)
            addValue(item, it.key(), it.value());
        break;
    }
    case QMetaType::QByteArray: {
        const QByteArray bytes = v.toByteArray();
        item->setText(1, count(int(bytes.size()), tr("byte"), tr("bytes")));
        item->setData(0, BinaryRole, bytes);
        if (!m_firstBinary)
            m_firstBinary = item;
        break;
    }
    case QMetaType::Nullptr:
        item->setText(1, u"null"_s);
        break;
    case QMetaType::QString:
        item->setText(1, u'"' + v.toString() + u'"');
        break;
    case QMetaType::Bool:
        item->setText(1, v.toBool() ? u"true"_s : u"false"_s);
        break;
    default:
        item->setText(1, QString::fromUtf8(Json::toCompactJson(QJsonValue::fromVariant(v))));
        break;
    }
    item->setToolTip(1, item->text(1).left(2000));
}

void DetailsPane::showBinaryOf(QTreeWidgetItem *item)
{
    if (!item)
        return;
    const QVariant bytes = item->data(0, BinaryRole);
    if (!bytes.isValid())
        return;
    m_hex->setPlainText(hexDump(bytes.toByteArray()));
}

QString DetailsPane::hexText() const
{
    return m_hex->toPlainText();
}

QString DetailsPane::jsonText() const
{
    return m_json->toPlainText();
}

QString DetailsPane::hexDump(const QByteArray &bytes, int maxBytes)
{
    QString out;
    const int n = int(qMin<qsizetype>(bytes.size(), maxBytes));
    out.reserve((n / 16 + 1) * 80);
    for (int offset = 0; offset < n; offset += 16) {
        out += QString::number(offset, 16).rightJustified(8, u'0') + u"  "_s;
        QString ascii;
        for (int i = 0; i < 16; ++i) {
            if (offset + i < n) {
                const auto b = uchar(bytes.at(offset + i));
                out += QString::number(b, 16).rightJustified(2, u'0') + u' ';
                ascii += (b >= 0x20 && b < 0x7f) ? QChar(char16_t(b)) : QChar(u'.');
            } else {
                out += u"   "_s;
            }
            if (i == 7)
                out += u' ';
        }
        out += u" |"_s + ascii + u"|\n"_s;
    }
    if (bytes.size() > n)
        out += tr("… %1 more").arg(count(int(bytes.size() - n), tr("byte"), tr("bytes")));
    return out;
}

} // namespace Sockscope
