// Sockscope: an editable auto-reply rules file.
#pragma once

#include "columns.h"

#include <QAbstractTableModel>
#include <QJsonObject>
#include <QList>

namespace Sockscope {

class RuleSet;

/*
    The rules of a rules file (the format RuleSet reads, see the README), one row per rule, kept
    as the JSON objects of the file so that saving writes back what was loaded. Every change is
    checked with RuleSet::parse before it is taken; a rule switched off is saved with
    "enabled": false. Top-level keys other than "rules" and "namespaces" pass through.
*/
class RulesModel : public QAbstractTableModel
{
    Q_OBJECT
public:
    explicit RulesModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role = Qt::EditRole) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;
    QVariant headerData(int section, Qt::Orientation orientation,
                        int role = Qt::DisplayRole) const override;

    bool load(const QString &path, QString *error);
    bool save(const QString &path, QString *error);
    QString filePath() const { return m_path; }
    bool isModified() const { return m_modified; }

    // Replaces everything with a rules document; false (and nothing changed) if it is invalid.
    bool setDocument(const QByteArray &json, QString *error,
                     const QString &sourceName = QStringLiteral("rules"));
    QByteArray toJson() const;
    // The enabled rules, ready to install.
    bool ruleSet(RuleSet *out, QString *error) const;
    bool isEmpty() const { return m_rules.isEmpty() && m_namespaces.isEmpty(); }

    QStringList namespaces() const { return m_namespaces; }
    bool setNamespaces(const QStringList &namespaces, QString *error);

    QJsonObject rule(int row) const { return m_rules.value(row); }
    bool setRule(int row, const QJsonObject &rule, QString *error);
    bool addRule(const QJsonObject &rule, QString *error);
    void removeRule(int row);
    bool isEnabled(int row) const;
    void setEnabled(int row, bool enabled);

Q_SIGNALS:
    void changed();

private:
    QJsonObject document(const QList<QJsonObject> &rules, const QStringList &namespaces) const;
    bool check(const QJsonObject &doc, QString *error) const;
    void markModified();

    QJsonObject m_top; // other top-level keys
    QStringList m_namespaces;
    QList<QJsonObject> m_rules;
    QString m_path;
    bool m_modified = false;
};

} // namespace Sockscope
