#include "rulesmodel.h"

#include <arguments.h>
#include <rules.h>

#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

using namespace Qt::StringLiterals;

namespace Sockscope {

namespace {

QString compact(const QJsonValue &v)
{
    return QString::fromUtf8(Json::toCompactJson(v));
}

QString actionsSummary(const QJsonArray &actions)
{
    QStringList parts;
    for (const QJsonValue &a : actions) {
        const QJsonObject o = a.toObject();
        if (o.contains(u"emit"_s)) {
            QString s = u"emit "_s + o.value(u"emit"_s).toString();
            if (o.contains(u"to"_s))
                s += u" → "_s + o.value(u"to"_s).toString();
            if (o.value(u"volatile"_s).toBool())
                s += u" (volatile)"_s;
            parts.append(s);
        } else if (o.contains(u"ack"_s)) {
            parts.append(u"ack "_s + compact(o.value(u"ack"_s)));
        } else if (!o.isEmpty()) {
            parts.append(o.begin().key() + u' ' + compact(o.begin().value()));
        }
    }
    return parts.join(u"; "_s);
}

} // namespace

RulesModel::RulesModel(QObject *parent) : QAbstractTableModel(parent) { }

int RulesModel::rowCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(m_rules.size());
}

int RulesModel::columnCount(const QModelIndex &parent) const
{
    return parent.isValid() ? 0 : int(RulesColumn::Count);
}

bool RulesModel::isEnabled(int row) const
{
    return m_rules.value(row).value(u"enabled"_s).toBool(true);
}

QVariant RulesModel::data(const QModelIndex &index, int role) const
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const QJsonObject &r = m_rules.at(index.row());
    const auto column = RulesColumn(index.column());
    if (column == RulesColumn::Enabled) {
        if (role == Qt::CheckStateRole)
            return isEnabled(index.row()) ? Qt::Checked : Qt::Unchecked;
        if (role == SortRole)
            return isEnabled(index.row());
        return {};
    }
    if (role == Qt::ToolTipRole)
        return QString::fromUtf8(QJsonDocument(r).toJson(QJsonDocument::Indented));
    if (role != Qt::DisplayRole && role != SortRole)
        return {};
    switch (column) {
    case RulesColumn::On:
        return r.value(u"on"_s).toString();
    case RulesColumn::Namespace: {
        const QJsonValue n = r.value(u"namespace"_s);
        if (n.isUndefined())
            return u"*"_s;
        if (n.isArray()) {
            QStringList names;
            for (const QJsonValue &x : n.toArray())
                names.append(x.toString());
            return names.join(u", "_s);
        }
        return n.toString();
    }
    case RulesColumn::Match:
        return r.value(u"match"_s).toString();
    case RulesColumn::Actions:
        return actionsSummary(r.value(u"do"_s).toArray());
    default:
        return {};
    }
}

bool RulesModel::setData(const QModelIndex &index, const QVariant &value, int role)
{
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)
        || index.column() != int(RulesColumn::Enabled) || role != Qt::CheckStateRole)
        return false;
    setEnabled(index.row(), value.value<Qt::CheckState>() == Qt::Checked);
    return true;
}

Qt::ItemFlags RulesModel::flags(const QModelIndex &index) const
{
    Qt::ItemFlags f = QAbstractTableModel::flags(index);
    if (index.isValid() && index.column() == int(RulesColumn::Enabled))
        f |= Qt::ItemIsUserCheckable;
    return f;
}

QVariant RulesModel::headerData(int section, Qt::Orientation orientation, int role) const
{
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole)
        return QAbstractTableModel::headerData(section, orientation, role);
    switch (RulesColumn(section)) {
    case RulesColumn::Enabled: return tr("On");
    case RulesColumn::On: return tr("When");
    case RulesColumn::Namespace: return tr("Namespace");
    case RulesColumn::Match: return tr("Match");
    case RulesColumn::Actions: return tr("Do");
    case RulesColumn::Count: break;
    }
    return {};
}

QJsonObject RulesModel::document(const QList<QJsonObject> &rules,
                                 const QStringList &namespaces) const
{
    QJsonObject doc = m_top;
    if (!namespaces.isEmpty())
        doc.insert(u"namespaces"_s, QJsonArray::fromStringList(namespaces));
    QJsonArray array;
    for (const QJsonObject &r : rules)
        array.append(r);
    doc.insert(u"rules"_s, array);
    return doc;
}

bool RulesModel::check(const QJsonObject &doc, QString *error) const
{
    RuleSet parsed;
    return RuleSet::parse(QJsonDocument(doc).toJson(), &parsed, error,
                          m_path.isEmpty() ? u"rules"_s : QFileInfo(m_path).fileName());
}

bool RulesModel::setDocument(const QByteArray &json, QString *error, const QString &sourceName)
{
    RuleSet parsed;
    if (!RuleSet::parse(json, &parsed, error, sourceName))
        return false;
    const QJsonObject root = QJsonDocument::fromJson(json).object();
    beginResetModel();
    m_top = root;
    m_top.remove(u"rules"_s);
    m_top.remove(u"namespaces"_s);
    m_namespaces.clear();
    const QJsonArray ns = root.value(u"namespaces"_s).toArray();
    for (const QJsonValue &n : ns)
        m_namespaces.append(n.toString());
    m_rules.clear();
    const QJsonArray rules = root.value(u"rules"_s).toArray();
    for (const QJsonValue &r : rules)
        m_rules.append(r.toObject());
    endResetModel();
    m_modified = false;
    Q_EMIT changed();
    return true;
}

bool RulesModel::load(const QString &path, QString *error)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        if (error)
            *error = u"%1: %2"_s.arg(path, f.errorString());
        return false;
    }
    if (!setDocument(f.readAll(), error, QFileInfo(path).fileName()))
        return false;
    m_path = path;
    return true;
}

bool RulesModel::save(const QString &path, QString *error)
{
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(toJson()) < 0 || !f.commit()) {
        if (error)
            *error = u"%1: %2"_s.arg(path, f.errorString());
        return false;
    }
    m_path = path;
    m_modified = false;
    Q_EMIT changed();
    return true;
}

QByteArray RulesModel::toJson() const
{
    return QJsonDocument(document(m_rules, m_namespaces)).toJson(QJsonDocument::Indented);
}

bool RulesModel::ruleSet(RuleSet *out, QString *error) const
{
    return RuleSet::parse(toJson(), out, error,
                          m_path.isEmpty() ? u"rules"_s : QFileInfo(m_path).fileName());
}

bool RulesModel::setNamespaces(const QStringList &namespaces, QString *error)
{
    if (!check(document(m_rules, namespaces), error))
        return false;
    m_namespaces = namespaces;
    markModified();
    return true;
}

bool RulesModel::setRule(int row, const QJsonObject &rule, QString *error)
{
    if (row < 0 || row >= m_rules.size())
        return false;
    QList<QJsonObject> next = m_rules;
    next[row] = rule;
    if (!check(document(next, m_namespaces), error))
        return false;
    m_rules[row] = rule;
    Q_EMIT dataChanged(index(row, 0), index(row, int(RulesColumn::Count) - 1));
    markModified();
    return true;
}

bool RulesModel::addRule(const QJsonObject &rule, QString *error)
{
    QList<QJsonObject> next = m_rules;
    next.append(rule);
    if (!check(document(next, m_namespaces), error))
        return false;
    const int at = int(m_rules.size());
    beginInsertRows({}, at, at);
    m_rules.append(rule);
    endInsertRows();
    markModified();
    return true;
}

void RulesModel::removeRule(int row)
{
    if (row < 0 || row >= m_rules.size())
        return;
    beginRemoveRows({}, row, row);
    m_rules.removeAt(row);
    endRemoveRows();
    markModified();
}

void RulesModel::setEnabled(int row, bool enabled)
{
    if (row < 0 || row >= m_rules.size() || isEnabled(row) == enabled)
        return;
    if (enabled)
        m_rules[row].remove(u"enabled"_s);
    else
        m_rules[row].insert(u"enabled"_s, false);
    Q_EMIT dataChanged(index(row, 0), index(row, int(RulesColumn::Count) - 1));
    markModified();
}

void RulesModel::markModified()
{
    m_modified = true;
    Q_EMIT changed();
}

} // namespace Sockscope
