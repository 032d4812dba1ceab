// Sockscope: the emit history and saved templates, shared by every emit form.
#pragma once

#include <QString>
#include <QStringList>
#include <QVariantMap>

namespace Sockscope {

/*
    What was emitted and what was saved to emit again, kept in QSettings under keys the client
    window's emit form and the monitor's emit panel share. Each entry is the compact JSON
    {"args":"…","event":"…"}, args being the arguments' text as typed, with "volatile":true
    for an event the monitor sent volatile (an entry without it is not volatile).
*/
namespace EmitStore {

inline constexpr auto HistoryKey = "emit/history"; // QStringList of entries, newest first
inline constexpr auto TemplatesKey = "emit/templates"; // QVariantMap name -> entry
inline constexpr qsizetype HistoryLimit = 50;

struct Entry
{
    QString event;
    QString argsJson;
    bool isVolatile = false; // sent with Socket::sendVolatile / Broadcast::setVolatile
    bool isNull() const { return event.isNull() && argsJson.isNull(); }
};

QStringList history();
void addToHistory(const QString &event, const QString &argsJson, bool isVolatile = false);
QVariantMap templates();
void saveTemplate(const QString &name, const QString &event, const QString &argsJson,
                  bool isVolatile = false);

// An entry's text and back (a null Entry for text that is not one).
QString entryJson(const QString &event, const QString &argsJson, bool isVolatile = false);
Entry entry(const QString &entryJson);
// "event args…": a one-line label for lists.
QString entryLabel(const Entry &entry);

} // namespace EmitStore

} // namespace Sockscope
