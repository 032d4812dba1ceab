// Readable, type-exact descriptions of QVariant values for QCOMPARE, shared by the codec, rules
// and arguments tests.
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringList>
#include <QVariant>

namespace TestShared {

using namespace Qt::StringLiterals;

// A description of a value that includes every type, so that qint64 1 and double 1.0, or a
// QByteArray and a QString with the same bytes, do not compare equal. Doubles are written with
// 17 significant digits, so two that differ never describe alike.
inline QString describe(const QVariant &v)
{
    switch (v.typeId()) {
    case QMetaType::QVariantList: {
        QStringList parts;
        for (const QVariant &x : v.toList())
            parts.append(describe(x));
        return u'[' + parts.join(u", "_s) + u']';
    }
    case QMetaType::QVariantMap: {
        QStringList parts;
        const QVariantMap m = v.toMap();
        for (auto it = m.cbegin(); it != m.cend(); ++it)
            parts.append(it.key() + u": "_s + describe(it.value()));
        return u'{' + parts.join(u", "_s) + u'}';
    }
    case QMetaType::QByteArray:
        return u"bytes(%1)"_s.arg(QString::fromLatin1(v.toByteArray().toHex()));
    case QMetaType::Nullptr:
        return u"null"_s;
    case QMetaType::UnknownType:
        return u"invalid"_s;
    case QMetaType::Double:
        return u"double:"_s + QString::number(v.toDouble(), 'g', 17);
    default:
        return QString::fromLatin1(v.typeName()) + u':' + v.toString();
    }
}

// JSON null as a QVariant, as the codecs produce it.
inline QVariant null() { return QVariant::fromValue(nullptr); }

} // namespace TestShared
