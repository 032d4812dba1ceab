#include "emitstore.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSettings>

using namespace Qt::StringLiterals;

namespace Sockscope::EmitStore {

QString entryJson(const QString &event, const QString &argsJson, bool isVolatile)
{
    QJsonObject o { { u"event"_s, event }, { u"args"_s, argsJson } };
    if (isVolatile) // left out otherwise: entries saved before keep their text
        o.insert(u"volatile"_s, true);
    return QString::fromUtf8(QJsonDocument(o).toJson(QJsonDocument::Compact));
}

Entry entry(const QString &entryJson)
{
    const QJsonObject o = QJsonDocument::fromJson(entryJson.toUtf8()).object();
    if (o.isEmpty())
        return {};
    return { o.value(u"event"_s).toString(), o.value(u"args"_s).toString(),
             o.value(u"volatile"_s).toBool() };
}

QString entryLabel(const Entry &entry)
{
    const QString label = entry.event + u' ' + entry.argsJson.simplified().left(60);
    return entry.isVolatile ? label + u" (volatile)"_s : label;
}

QStringList history()
{
    return QSettings().value(QLatin1StringView(HistoryKey)).toStringList();
}

void addToHistory(const QString &event, const QString &argsJson, bool isVolatile)
{
    QSettings settings;
    QStringList list = settings.value(QLatin1StringView(HistoryKey)).toStringList();
    const QString e = entryJson(event, argsJson, isVolatile);
    list.removeAll(e);
    list.prepend(e);
    while (list.size() > HistoryLimit)
        list.removeLast();
    settings.setValue(QLatin1StringView(HistoryKey), list);
}

QVariantMap templates()
{
    return QSettings().value(QLatin1StringView(TemplatesKey)).toMap();
}

void saveTemplate(const QString &name, const QString &event, const QString &argsJson,
                  bool isVolatile)
{
    QSettings settings;
    QVariantMap map = settings.value(QLatin1StringView(TemplatesKey)).toMap();
    map.insert(name, entryJson(event, argsJson, isVolatile));
    settings.setValue(QLatin1StringView(TemplatesKey), map);
}

} // namespace Sockscope::EmitStore
