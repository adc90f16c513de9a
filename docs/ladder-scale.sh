#!/bin/sh
# The ladder at national scale: 34 provinces over ~3,300 communes (the 2025 structure), each
# province running tonghop on its own communes, the nation on the 34 province reports.
set -e
T=${TONGHOP:-tonghop}
EX=${EXAMPLE:-examples/ba-dinh/config}
W=${WORK:-scale}
mkdir -p "$W/nation/config" "$W/nation/inputs/2023-THD"
# The nation's configuration: 34 provinces, one type.
printf 'code,name,name_en,family,family_name,territorial\ntinh,Tỉnh,Provinces,province,"Tỉnh, thành phố",true\n' > "$W/nation/config/unit_types.csv"
printf 'code,name,type,group,expected,contact\n' > "$W/nation/config/units.csv"
sed 's/phuong;xa;thi_tran/tinh/' "$EX/indicators.csv" > "$W/nation/config/indicators.csv"
sed -e 's/expected_unit_types = \["phuong"\]/expected_unit_types = ["tinh"]/' -e '/^issuer_code/d' -e 's/UBND QUẬN BA ĐÌNH/BỘ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI/' "$EX/periods.toml" > "$W/nation/config/periods.toml"
for p in $(seq -w 1 34); do
  printf 'P%s,Tỉnh số %s,tinh,Tỉnh,true,\n' "$p" "$p" >> "$W/nation/config/units.csv"
  d="$W/p$p"
  mkdir -p "$d/config"
  cp "$EX/unit_types.csv" "$EX/indicators.csv" "$d/config/"
  sed -e "s/issuer_code = \"001\"/issuer_code = \"P$p\"/" -e "s/UBND QUẬN BA ĐÌNH/UBND TỈNH SỐ $p/" "$EX/periods.toml" > "$d/config/periods.toml"
  # ~97 communes each (3,300 / 34): the example's 14 wards and synthetic ones.
  cp "$EX/units.csv" "$d/config/units.csv"
  "$T" sample --config "$d/config" --units 97 --seed "$p" --activities 20 --magnitude 8 --outputs "$d" 2>/dev/null
done
# Each province consolidates its communes; the nation, the 34 province reports.
for p in $(seq -w 1 34); do
  d="$W/p$p"
  /usr/bin/time -f "province P$p: %e s, %M KB" "$T" run --quiet --config "$d/config" --inputs "$d/inputs" --outputs "$d/outputs" --as-of 2023-12-20 2>>"$W/times.txt"
  cp "$d/outputs/2023-THD/TongHop_2023-THD.xlsx" "$W/nation/inputs/2023-THD/P$p.xlsx"
done
/usr/bin/time -f "nation: %e s, %M KB" "$T" run --config "$W/nation/config" --inputs "$W/nation/inputs" --outputs "$W/nation/outputs" --as-of 2023-12-22 2>>"$W/times.txt"
